/* check_main.h - one main() for every table-driven suite: define SUITE_NAME and suite_tests() */
#include <check.h>
#include <stdlib.h>

static void suite_tests(TCase *tc);
#ifdef SUITE_MORE
/* suite_more - further test cases, for tests that need their own timeout or fixture */
static void suite_more(Suite *s);
#endif

int
main(void)
{
	Suite *s = suite_create(SUITE_NAME);
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	suite_tests(tc);
	suite_add_tcase(s, tc);
#ifdef SUITE_MORE
	suite_more(s);
#endif
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
