/* SPDX-License-Identifier: MIT */
/*
 * test_json: docket_json_print, which scripts read through `--json`: every
 * msgpack value becomes valid JSON text, strings escaped per RFC 8259, bin
 * as base64, no trailing newline. Output is captured with open_memstream.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <docket/client.h>

/* The JSON text of obj (static buffer, replaced by the next call). */
static const char *json_of(const msgpack_object *obj)
{
	static char *text;
	size_t len = 0;
	FILE *f;

	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(docket_json_print(f, obj), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(strlen(text), len);
	return text;
}

/* Unpack sb and return the JSON of its one object. */
static const char *json_of_packed(msgpack_sbuffer *sb)
{
	static msgpack_unpacked up;
	size_t off = 0;
	const char *s;

	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, sb->data, sb->size, &off),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(off, sb->size);
	s = json_of(&up.data);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_clear(sb);
	return s;
}

static void pack_str(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str_with_body(pk, s, n);
}

static void strings_escape_quotes_backslashes_and_control_characters(void **state)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

	pack_str(&pk, "plain", 5);
	assert_string_equal(json_of_packed(&sb), "\"plain\"");
	pack_str(&pk, "", 0);
	assert_string_equal(json_of_packed(&sb), "\"\"");
	pack_str(&pk, "say \"hi\"", 8);
	assert_string_equal(json_of_packed(&sb), "\"say \\\"hi\\\"\"");
	pack_str(&pk, "C:\\dir\\", 7);
	assert_string_equal(json_of_packed(&sb), "\"C:\\\\dir\\\\\"");
	pack_str(&pk, "a/b", 3);
	assert_string_equal(json_of_packed(&sb), "\"a/b\"");
	pack_str(&pk, "\b\f\n\r\t", 5);
	assert_string_equal(json_of_packed(&sb), "\"\\b\\f\\n\\r\\t\"");
	/* Other control characters, NUL included, as \u00XX. */
	pack_str(&pk, "\x00\x01\x1b\x1f", 4);
	assert_string_equal(json_of_packed(&sb), "\"\\u0000\\u0001\\u001b\\u001f\"");
	/* DEL is not a control character in JSON. */
	pack_str(&pk, "\x7f", 1);
	assert_string_equal(json_of_packed(&sb), "\"\x7f\"");
	msgpack_sbuffer_destroy(&sb);
}

static void utf8_passes_through_and_invalid_bytes_become_replacement(void **state)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	const char cjk[] = "\xe5\xb8\x82\xe8\xb4\xa2\xe6\x94\xbf\xe5\xb1\x80"; /* 市财政局 */
	const char emoji[] = "\xf0\x9f\x93\x8b";                               /* U+1F4CB */
	const char mixed[] = "\xc3\xa9t\xc3\xa9";                              /* été */

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

	pack_str(&pk, cjk, strlen(cjk));
	assert_string_equal(json_of_packed(&sb), "\"\xe5\xb8\x82\xe8\xb4\xa2\xe6\x94\xbf\xe5\xb1\x80\"");
	pack_str(&pk, emoji, strlen(emoji));
	assert_string_equal(json_of_packed(&sb), "\"\xf0\x9f\x93\x8b\"");
	pack_str(&pk, mixed, strlen(mixed));
	assert_string_equal(json_of_packed(&sb), "\"\xc3\xa9t\xc3\xa9\"");

	/* A lone continuation byte, a truncated sequence, an overlong '/',
	 * a surrogate: each invalid byte becomes \ufffd. */
	pack_str(&pk, "a\x80z", 3);
	assert_string_equal(json_of_packed(&sb), "\"a\\ufffdz\"");
	pack_str(&pk, "\xe5\xb8", 2);
	assert_string_equal(json_of_packed(&sb), "\"\\ufffd\\ufffd\"");
	pack_str(&pk, "\xc0\xaf", 2);
	assert_string_equal(json_of_packed(&sb), "\"\\ufffd\\ufffd\"");
	pack_str(&pk, "\xed\xa0\x80", 3);
	assert_string_equal(json_of_packed(&sb), "\"\\ufffd\\ufffd\\ufffd\"");
	msgpack_sbuffer_destroy(&sb);
}

static void scalars_print_as_json_literals(void **state)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

	msgpack_pack_nil(&pk);
	assert_string_equal(json_of_packed(&sb), "null");
	msgpack_pack_true(&pk);
	assert_string_equal(json_of_packed(&sb), "true");
	msgpack_pack_false(&pk);
	assert_string_equal(json_of_packed(&sb), "false");
	msgpack_pack_uint64(&pk, 0);
	assert_string_equal(json_of_packed(&sb), "0");
	msgpack_pack_uint64(&pk, 1795306551485ull);
	assert_string_equal(json_of_packed(&sb), "1795306551485");
	msgpack_pack_uint64(&pk, UINT64_MAX);
	assert_string_equal(json_of_packed(&sb), "18446744073709551615");
	msgpack_pack_int64(&pk, -1);
	assert_string_equal(json_of_packed(&sb), "-1");
	msgpack_pack_int64(&pk, -300);
	assert_string_equal(json_of_packed(&sb), "-300");
	msgpack_pack_int64(&pk, INT64_MIN);
	assert_string_equal(json_of_packed(&sb), "-9223372036854775808");
	msgpack_pack_double(&pk, 0.5);
	assert_string_equal(json_of_packed(&sb), "0.5");
	msgpack_pack_double(&pk, 0.1);
	assert_string_equal(json_of_packed(&sb), "0.10000000000000001");
	msgpack_pack_double(&pk, -2.0);
	assert_string_equal(json_of_packed(&sb), "-2");
	msgpack_pack_float(&pk, 1.5f);
	assert_string_equal(json_of_packed(&sb), "1.5");
	msgpack_sbuffer_destroy(&sb);
}

static void non_finite_floats_become_null(void **state)
{
	msgpack_object o = {.type = MSGPACK_OBJECT_FLOAT64};

	o.via.f64 = INFINITY;
	assert_string_equal(json_of(&o), "null");
	o.via.f64 = NAN;
	assert_string_equal(json_of(&o), "null");
}

static void bin_prints_as_base64_string(void **state)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

	msgpack_pack_bin_with_body(&pk, "", 0);
	assert_string_equal(json_of_packed(&sb), "\"\"");
	msgpack_pack_bin_with_body(&pk, "f", 1);
	assert_string_equal(json_of_packed(&sb), "\"Zg==\"");
	msgpack_pack_bin_with_body(&pk, "fo", 2);
	assert_string_equal(json_of_packed(&sb), "\"Zm8=\"");
	msgpack_pack_bin_with_body(&pk, "foo", 3);
	assert_string_equal(json_of_packed(&sb), "\"Zm9v\"");
	msgpack_pack_bin_with_body(&pk, "foobar", 6);
	assert_string_equal(json_of_packed(&sb), "\"Zm9vYmFy\"");
	msgpack_pack_bin_with_body(&pk, "\x00\xff\xfe\x80", 4);
	assert_string_equal(json_of_packed(&sb), "\"AP/+gA==\"");
	msgpack_sbuffer_destroy(&sb);
}

static void nested_maps_and_arrays_keep_their_order(void **state)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

	msgpack_pack_array(&pk, 0);
	assert_string_equal(json_of_packed(&sb), "[]");
	msgpack_pack_map(&pk, 0);
	assert_string_equal(json_of_packed(&sb), "{}");

	/* An event as the daemon publishes it. */
	msgpack_pack_map(&pk, 5);
	pack_str(&pk, "seq", 3);
	msgpack_pack_uint64(&pk, 12);
	pack_str(&pk, "kind", 4);
	pack_str(&pk, "unit.added", 10);
	pack_str(&pk, "units", 5);
	msgpack_pack_array(&pk, 2);
	pack_str(&pk, "finance", 7);
	pack_str(&pk, "education", 9);
	pack_str(&pk, "subject", 7);
	msgpack_pack_map(&pk, 1);
	pack_str(&pk, "unit", 4);
	pack_str(&pk, "finance", 7);
	pack_str(&pk, "data", 4);
	msgpack_pack_map(&pk, 2);
	pack_str(&pk, "list", 4);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_nil(&pk);
	msgpack_pack_map(&pk, 0);
	msgpack_pack_int64(&pk, -7);
	pack_str(&pk, "ok", 2);
	msgpack_pack_true(&pk);
	assert_string_equal(json_of_packed(&sb),
			    "{\"seq\":12,\"kind\":\"unit.added\",\"units\":[\"finance\",\"education\"],"
			    "\"subject\":{\"unit\":\"finance\"},"
			    "\"data\":{\"list\":[[null],{},-7],\"ok\":true}}");

	/* Keys are escaped like any string. */
	msgpack_pack_map(&pk, 1);
	pack_str(&pk, "a\"b\n", 4);
	pack_str(&pk, "v", 1);
	assert_string_equal(json_of_packed(&sb), "{\"a\\\"b\\n\":\"v\"}");
	msgpack_sbuffer_destroy(&sb);
}

static void non_string_keys_print_as_their_json_text_quoted(void **state)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

	msgpack_pack_map(&pk, 6);
	msgpack_pack_uint64(&pk, 1);
	pack_str(&pk, "one", 3);
	msgpack_pack_int64(&pk, -2);
	msgpack_pack_true(&pk);
	msgpack_pack_nil(&pk);
	msgpack_pack_nil(&pk);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_uint64(&pk, 1);
	pack_str(&pk, "x", 1);
	msgpack_pack_uint64(&pk, 0);
	msgpack_pack_bin_with_body(&pk, "hi", 2);
	msgpack_pack_uint64(&pk, 3);
	msgpack_pack_double(&pk, 2.5);
	msgpack_pack_uint64(&pk, 4);
	assert_string_equal(json_of_packed(&sb), "{\"1\":\"one\",\"-2\":true,\"null\":null,"
						 "\"[1,\\\"x\\\"]\":0,\"aGk=\":3,\"2.5\":4}");
	msgpack_sbuffer_destroy(&sb);
}

static void no_trailing_newline_and_write_errors_reported(void **state)
{
	msgpack_object o = {.type = MSGPACK_OBJECT_BOOLEAN};
	const char *s;

	o.via.boolean = true;
	s = json_of(&o);
	assert_string_equal(s, "true");
	assert_int_not_equal(s[strlen(s) - 1], '\n');
	assert_int_equal(docket_json_print(NULL, &o), -EINVAL);
	assert_int_equal(docket_json_print(stdout, NULL), -EINVAL);
	{
		FILE *ro = fopen("/dev/null", "re");

		assert_non_null(ro);
		assert_true(docket_json_print(ro, &o) < 0);
		fclose(ro);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strings_escape_quotes_backslashes_and_control_characters),
		cmocka_unit_test(utf8_passes_through_and_invalid_bytes_become_replacement),
		cmocka_unit_test(scalars_print_as_json_literals),
		cmocka_unit_test(non_finite_floats_become_null),
		cmocka_unit_test(bin_prints_as_base64_string),
		cmocka_unit_test(nested_maps_and_arrays_keep_their_order),
		cmocka_unit_test(non_string_keys_print_as_their_json_text_quoted),
		cmocka_unit_test(no_trailing_newline_and_write_errors_reported),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
