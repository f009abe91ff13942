/* Debian's Python (/usr/bin/python3, with python3-icalendar and
 * python3-vobject), run by unit tests as an independent reader of output.
 * Include after cmocka.h. */
#ifndef MF_TEST_PYTHON_H
#define MF_TEST_PYTHON_H

#include <glib.h>

/* Runs /usr/bin/python3 with `args` (NULL-terminated). Fails the test, naming
 * `what`, when it cannot run or exits non-zero. Returns its standard output
 * (caller frees); its standard error is printed. */
static inline char *mf_test_python(const char *const *args, const char *what)
{
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, "/usr/bin/python3");
	for (const char *const *a = args; *a; a++)
		g_ptr_array_add(argv, (gpointer)*a);
	g_ptr_array_add(argv, NULL);
	char *out = NULL, *err = NULL;
	int status = 0;
	GError *error = NULL;
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, 0, NULL, NULL, &out, &err, &status,
	                  &error))
		fail_msg("python3: %s", error->message);
	print_message("%s", err ? err : "");
	if (!g_spawn_check_wait_status(status, NULL))
		fail_msg("%s failed: %s", what, err ? err : "");
	g_ptr_array_unref(argv);
	g_free(err);
	return out;
}

#endif
