/* SPDX-License-Identifier: MIT */
/*
 * keyfile.c: CURVE key files: generate, load, save.
 *
 * A key file is text, one "name = value" per line, '#' starting a comment
 * line: "public-key = <z85>" and, in a secret key file, "secret-key = <z85>".
 * Keys come from libzmq (zmq_curve_keypair, zmq_curve_public); this file
 * does no cryptography of its own.
 *
 * Must never overwrite an existing file (every file is created O_EXCL),
 * never leave a half-written key file behind, and never leave secret key
 * text in memory it frees. A loaded pair is consistent: when a file holds
 * both keys, the public key is the one derived from the secret key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include <docket/client.h>

/* A key file is a few lines; anything larger is not one. */
#define KEYFILE_MAX_SIZE (64u * 1024u)

static const char z85_chars[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				".-:+=^!/*?&<>()[]{}@%$#";

static bool is_z85_key(const char *s, size_t len)
{
	uint8_t raw[32];

	if (len != DOCKET_KEY_Z85_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\0' || !strchr(z85_chars, s[i]))
			return false;
	}
	{
		char text[DOCKET_KEY_Z85_LEN + 1];

		memcpy(text, s, len);
		text[len] = '\0';
		/* Every 5 characters must decode to a value below 2^32. */
		return zmq_z85_decode(raw, text) != NULL;
	}
}

static int read_all(int fd, char **ret, size_t *ret_len)
{
	struct stat st;
	char *buf;
	size_t n = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADMSG;
	if (st.st_size > (off_t)KEYFILE_MAX_SIZE)
		return -EBADMSG;
	buf = malloc(KEYFILE_MAX_SIZE + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t k = read(fd, buf + n, KEYFILE_MAX_SIZE + 1 - n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			k = -errno;
			explicit_bzero(buf, n);
			free(buf);
			return (int)k;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > KEYFILE_MAX_SIZE) {
			explicit_bzero(buf, n);
			free(buf);
			return -EBADMSG;
		}
	}
	buf[n] = '\0';
	*ret = buf;
	*ret_len = n;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Parse the text of a key file into kp. Returns 0 or -EBADMSG. */
static int parse(const char *text, size_t len, struct docket_keypair *kp)
{
	bool have_public = false, have_secret = false;
	const char *p = text, *end = text + len;

	memset(kp, 0, sizeof(*kp));
	if (memchr(text, '\0', len))
		return -EBADMSG;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *a = p, *b = eol ? eol : end, *eq, *ke, *vs;
		char *dst;
		bool *have;

		p = eol ? eol + 1 : end;
		while (a < b && is_blank(*a))
			a++;
		while (b > a && is_blank(b[-1]))
			b--;
		if (a == b || *a == '#')
			continue;
		eq = memchr(a, '=', (size_t)(b - a));
		if (!eq)
			return -EBADMSG;
		ke = eq;
		while (ke > a && is_blank(ke[-1]))
			ke--;
		vs = eq + 1;
		while (vs < b && is_blank(*vs))
			vs++;
		if ((size_t)(ke - a) == strlen("public-key") && memcmp(a, "public-key", 10) == 0) {
			dst = kp->public_key;
			have = &have_public;
		} else if ((size_t)(ke - a) == strlen("secret-key") &&
			   memcmp(a, "secret-key", 10) == 0) {
			dst = kp->secret_key;
			have = &have_secret;
		} else {
			return -EBADMSG;
		}
		if (*have || !is_z85_key(vs, (size_t)(b - vs)))
			return -EBADMSG;
		memcpy(dst, vs, DOCKET_KEY_Z85_LEN);
		dst[DOCKET_KEY_Z85_LEN] = '\0';
		*have = true;
	}
	if (have_secret) {
		char derived[DOCKET_KEY_Z85_LEN + 1];

		if (zmq_curve_public(derived, kp->secret_key) < 0)
			return -EBADMSG;
		if (have_public && strcmp(derived, kp->public_key) != 0) {
			explicit_bzero(kp, sizeof(*kp));
			return -EBADMSG;
		}
		memcpy(kp->public_key, derived, sizeof(derived));
		have_public = true;
	}
	return have_public ? 0 : -EBADMSG;
}

int docket_key_load(const char *path, struct docket_keypair *ret)
{
	struct docket_keypair kp;
	char *text = NULL;
	size_t len = 0;
	int fd, r;

	if (!path || !ret)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	r = read_all(fd, &text, &len);
	close(fd);
	if (r < 0)
		return r;
	r = parse(text, len, &kp);
	explicit_bzero(text, len);
	free(text);
	if (r < 0)
		return r;
	*ret = kp;
	explicit_bzero(&kp, sizeof(kp));
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t k = write(fd, buf, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

int docket_key_save(const char *path, const struct docket_keypair *kp, bool with_secret)
{
	char text[256];
	mode_t mode = with_secret ? 0600 : 0644;
	int fd, r, n;

	if (!path || !kp ||
	    !is_z85_key(kp->public_key, strnlen(kp->public_key, sizeof(kp->public_key))))
		return -EINVAL;
	if (with_secret) {
		char derived[DOCKET_KEY_Z85_LEN + 1];

		if (!is_z85_key(kp->secret_key,
					strnlen(kp->secret_key, sizeof(kp->secret_key))) ||
		    zmq_curve_public(derived, kp->secret_key) < 0 ||
		    strcmp(derived, kp->public_key) != 0)
			return -EINVAL;
		n = snprintf(text, sizeof(text),
			     "# docket CURVE key pair: keep this file private\n"
			     "public-key = %s\n"
			     "secret-key = %s\n",
			     kp->public_key, kp->secret_key);
	} else {
		n = snprintf(text, sizeof(text),
			     "# docket CURVE public key: give this file to the office\n"
			     "public-key = %s\n",
			     kp->public_key);
	}
	if (n < 0 || (size_t)n >= sizeof(text))
		return -EINVAL;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0) {
		r = -errno;
		explicit_bzero(text, sizeof(text));
		return r;
	}
	/* The mode is part of the contract, whatever the umask. */
	r = fchmod(fd, mode) < 0 ? -errno : 0;
	if (r == 0)
		r = write_all(fd, text, (size_t)n);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	explicit_bzero(text, sizeof(text));
	if (r < 0)
		unlink(path);
	return r;
}

int docket_keygen(const char *path, struct docket_keypair *ret)
{
	struct docket_keypair kp;
	char *pub_path = NULL;
	int r;

	if (!path || !*path)
		return -EINVAL;
	if (asprintf(&pub_path, "%s.pub", path) < 0)
		return -ENOMEM;
	/* Refuse early if either file exists, so nothing is created. */
	if (access(pub_path, F_OK) == 0) {
		free(pub_path);
		return -EEXIST;
	}
	memset(&kp, 0, sizeof(kp));
	if (zmq_curve_keypair(kp.public_key, kp.secret_key) < 0) {
		r = errno == ENOTSUP ? -ENOTSUP : -EIO;
		free(pub_path);
		return r;
	}
	r = docket_key_save(path, &kp, true);
	if (r == 0) {
		r = docket_key_save(pub_path, &kp, false);
		if (r < 0)
			unlink(path);
	}
	free(pub_path);
	if (r == 0 && ret)
		*ret = kp;
	explicit_bzero(&kp, sizeof(kp));
	return r;
}
