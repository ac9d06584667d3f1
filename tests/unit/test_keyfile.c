/* SPDX-License-Identifier: MIT */
/*
 * test_keyfile: CURVE key files as a unit's operator handles them: keygen
 * writes a private secret file and a shareable .pub, never overwrites, and
 * load reads back exactly what was written (or refuses a file that is not a
 * key file). Each test works in its own mkdtemp directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <zmq.h>

#include <docket/client.h>

struct dir {
	char path[64];
	char key[128];
	char pub[136];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));
	const char *tmp = getenv("TMPDIR");

	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "%s/docket-keyfile-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(d->path)) {
		free(d);
		return -1;
	}
	snprintf(d->key, sizeof(d->key), "%s/unit.key", d->path);
	snprintf(d->pub, sizeof(d->pub), "%s.pub", d->key);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	(void)!system(cmd);
	free(d);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "re");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static mode_t file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void keygen_writes_private_secret_and_shareable_public_file(void **state)
{
	struct dir *d = *state;
	struct docket_keypair kp;
	mode_t old = umask(0); /* the modes must not depend on the umask */

	assert_int_equal(docket_keygen(d->key, &kp), 0);
	umask(old);
	assert_int_equal(strlen(kp.public_key), DOCKET_KEY_Z85_LEN);
	assert_int_equal(strlen(kp.secret_key), DOCKET_KEY_Z85_LEN);
	assert_int_equal(file_mode(d->key), 0600);
	assert_int_equal(file_mode(d->pub), 0644);

	/* The secret file has both lines, the .pub only the public one. */
	assert_non_null(strstr(read_file(d->key), kp.secret_key));
	assert_non_null(strstr(read_file(d->key), kp.public_key));
	assert_null(strstr(read_file(d->pub), kp.secret_key));
	assert_null(strstr(read_file(d->pub), "secret-key"));
	assert_non_null(strstr(read_file(d->pub), "public-key = "));
	assert_non_null(strstr(read_file(d->pub), kp.public_key));
}

static void keygen_modes_hold_under_a_strict_umask(void **state)
{
	struct dir *d = *state;
	struct docket_keypair kp;
	mode_t old = umask(077);

	assert_int_equal(docket_keygen(d->key, &kp), 0);
	umask(old);
	assert_int_equal(file_mode(d->key), 0600);
	assert_int_equal(file_mode(d->pub), 0644);
}

static void keygen_refuses_to_overwrite_either_file(void **state)
{
	struct dir *d = *state;
	struct docket_keypair first, again;
	char before[4096];

	assert_int_equal(docket_keygen(d->key, &first), 0);
	snprintf(before, sizeof(before), "%s", read_file(d->key));
	assert_int_equal(docket_keygen(d->key, &again), -EEXIST);
	assert_string_equal(read_file(d->key), before);

	/* Only the .pub is there: still refused, and no secret file is left. */
	assert_int_equal(unlink(d->key), 0);
	assert_int_equal(docket_keygen(d->key, &again), -EEXIST);
	assert_int_equal(access(d->key, F_OK), -1);

	/* Only the secret file is there: refused too. */
	assert_int_equal(unlink(d->pub), 0);
	write_file(d->key, before);
	assert_int_equal(docket_keygen(d->key, &again), -EEXIST);
	assert_int_equal(access(d->pub, F_OK), -1);
	assert_string_equal(read_file(d->key), before);
}

static void load_reads_back_what_keygen_wrote(void **state)
{
	struct dir *d = *state;
	struct docket_keypair kp, loaded;

	assert_int_equal(docket_keygen(d->key, &kp), 0);
	assert_int_equal(docket_key_load(d->key, &loaded), 0);
	assert_string_equal(loaded.public_key, kp.public_key);
	assert_string_equal(loaded.secret_key, kp.secret_key);
}

static void load_of_a_public_file_has_no_secret(void **state)
{
	struct dir *d = *state;
	struct docket_keypair kp, loaded;

	assert_int_equal(docket_keygen(d->key, &kp), 0);
	memset(&loaded, 'x', sizeof(loaded));
	assert_int_equal(docket_key_load(d->pub, &loaded), 0);
	assert_string_equal(loaded.public_key, kp.public_key);
	assert_string_equal(loaded.secret_key, "");
}

static void public_key_is_the_one_derived_from_the_secret(void **state)
{
	struct dir *d = *state;
	struct docket_keypair kp;
	char derived[DOCKET_KEY_Z85_LEN + 1];

	assert_int_equal(docket_keygen(d->key, &kp), 0);
	assert_int_equal(zmq_curve_public(derived, kp.secret_key), 0);
	assert_string_equal(derived, kp.public_key);
}

static void save_and_load_round_trip_with_comments_and_spacing(void **state)
{
	struct dir *d = *state;
	struct docket_keypair kp, loaded;
	char text[512];

	assert_int_equal(zmq_curve_keypair(kp.public_key, kp.secret_key), 0);
	assert_int_equal(docket_key_save(d->key, &kp, true), 0);
	assert_int_equal(docket_key_save(d->key, &kp, true), -EEXIST);
	assert_int_equal(docket_key_save(d->pub, &kp, false), 0);
	assert_int_equal(docket_key_load(d->key, &loaded), 0);
	assert_string_equal(loaded.secret_key, kp.secret_key);
	assert_int_equal(docket_key_load(d->pub, &loaded), 0);
	assert_string_equal(loaded.public_key, kp.public_key);
	assert_string_equal(loaded.secret_key, "");

	/* Written by hand: comments, blank lines, other spacing, CRLF. */
	assert_int_equal(unlink(d->key), 0);
	snprintf(text, sizeof(text),
		 "# a key written by hand\r\n\n   # indented comment\n"
		 "secret-key=%s\r\n\t public-key   =   %s  \n",
		 kp.secret_key, kp.public_key);
	write_file(d->key, text);
	assert_int_equal(docket_key_load(d->key, &loaded), 0);
	assert_string_equal(loaded.public_key, kp.public_key);
	assert_string_equal(loaded.secret_key, kp.secret_key);
}

static void save_refuses_a_pair_that_does_not_match(void **state)
{
	struct dir *d = *state;
	struct docket_keypair a, b, mixed;

	assert_int_equal(zmq_curve_keypair(a.public_key, a.secret_key), 0);
	assert_int_equal(zmq_curve_keypair(b.public_key, b.secret_key), 0);
	memcpy(mixed.public_key, a.public_key, sizeof(mixed.public_key));
	memcpy(mixed.secret_key, b.secret_key, sizeof(mixed.secret_key));
	assert_int_equal(docket_key_save(d->key, &mixed, true), -EINVAL);
	assert_int_equal(access(d->key, F_OK), -1);
}

static void malformed_files_are_refused(void **state)
{
	struct dir *d = *state;
	struct docket_keypair kp, loaded;
	char text[512];
	const char *const bad_static[] = {
		"",                                     /* empty */
		"# only a comment\n",                   /* no key */
		"public-key\n",                         /* no '=' */
		"public-key = tooshort\n",              /* not 40 characters */
		"public-key = \n",                      /* empty value */
		"private-key = 0123456789012345678901234567890123456789\n", /* unknown name */
		"public-key = 01234567890123456789012345678901234567 9\n",   /* a space inside */
		"public-key = \"012345678901234567890123456789012345678\n", /* not Z85 */
	};

	assert_int_equal(zmq_curve_keypair(kp.public_key, kp.secret_key), 0);
	for (size_t i = 0; i < sizeof(bad_static) / sizeof(bad_static[0]); i++) {
		unlink(d->key);
		write_file(d->key, bad_static[i]);
		if (docket_key_load(d->key, &loaded) != -EBADMSG)
			fail_msg("accepted malformed key file #%zu: '%s'", i, bad_static[i]);
	}

	/* A public key twice. */
	unlink(d->key);
	snprintf(text, sizeof(text), "public-key = %s\npublic-key = %s\n", kp.public_key,
		 kp.public_key);
	write_file(d->key, text);
	assert_int_equal(docket_key_load(d->key, &loaded), -EBADMSG);

	/* A secret key whose public key is another one. */
	{
		struct docket_keypair other;

		assert_int_equal(zmq_curve_keypair(other.public_key, other.secret_key), 0);
		unlink(d->key);
		snprintf(text, sizeof(text), "public-key = %s\nsecret-key = %s\n",
			 other.public_key, kp.secret_key);
		write_file(d->key, text);
		assert_int_equal(docket_key_load(d->key, &loaded), -EBADMSG);
	}

	/* Z85 characters whose value overflows 32 bits ("#####" > 2^32). */
	unlink(d->key);
	write_file(d->key, "public-key = ########################################\n");
	assert_int_equal(docket_key_load(d->key, &loaded), -EBADMSG);

	/* A NUL byte in the file. */
	unlink(d->key);
	{
		int fd = open(d->key, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		char buf[128];
		int n = snprintf(buf, sizeof(buf), "public-key = %s\n", kp.public_key);

		assert_true(fd >= 0);
		buf[3] = '\0';
		assert_int_equal(write(fd, buf, (size_t)n), n);
		close(fd);
	}
	assert_int_equal(docket_key_load(d->key, &loaded), -EBADMSG);

	/* A directory is not a key file. */
	assert_int_equal(docket_key_load(d->path, &loaded), -EBADMSG);
}

static void missing_file_is_enoent(void **state)
{
	struct dir *d = *state;
	struct docket_keypair loaded;

	assert_int_equal(docket_key_load(d->key, &loaded), -ENOENT);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(keygen_writes_private_secret_and_shareable_public_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(keygen_modes_hold_under_a_strict_umask, setup,
						teardown),
		cmocka_unit_test_setup_teardown(keygen_refuses_to_overwrite_either_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(load_reads_back_what_keygen_wrote, setup, teardown),
		cmocka_unit_test_setup_teardown(load_of_a_public_file_has_no_secret, setup,
						teardown),
		cmocka_unit_test_setup_teardown(public_key_is_the_one_derived_from_the_secret, setup,
						teardown),
		cmocka_unit_test_setup_teardown(save_and_load_round_trip_with_comments_and_spacing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(save_refuses_a_pair_that_does_not_match, setup,
						teardown),
		cmocka_unit_test_setup_teardown(malformed_files_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_file_is_enoent, setup, teardown),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
