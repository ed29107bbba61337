/*
 * Long-double arithmetic for INCRBYFLOAT and HINCRBYFLOAT, and printf-exact double
 * formatting. Redis 7.0 does these with the platform's `long double` (80-bit x87 on
 * x86_64, 128-bit on aarch64), strtold and "%.17Lf"; Rust has no such type, so the few
 * operations live here, compiled by build.rs, and return plain bytes to Rust.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses `s` (length `len`) as Redis's string2ld does: the whole input, no leading
 * space, no NaN, no overflow. Returns 1 and stores the value on success. */
static int parse_ld(const char *s, size_t len, long double *out) {
    char buf[5 * 1024];
    char *end;
    long double v;
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v = strtold(buf, &end);
    if (isspace((unsigned char)buf[0]) || end[0] != '\0' || (size_t)(end - buf) != len ||
        (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || fpclassify(v) == FP_ZERO)) ||
        errno == EINVAL || isnan(v))
        return 0;
    *out = v;
    return 1;
}

/* Formats like Redis's ld2string in human mode: "%.17Lf" with trailing zeros (and a
 * trailing dot) removed, "-0" as "0", infinities as "inf"/"-inf". */
static int format_ld_human(long double v, char *out, size_t cap) {
    int l;
    if (isinf(v)) {
        l = snprintf(out, cap, v > 0 ? "inf" : "-inf");
        return l;
    }
    l = snprintf(out, cap, "%.17Lf", v);
    if (l < 0 || (size_t)l + 1 > cap) return -1;
    if (strchr(out, '.') != NULL) {
        char *p = out + l - 1;
        while (*p == '0') { p--; l--; }
        if (*p == '.') l--;
    }
    if (l == 2 && out[0] == '-' && out[1] == '0') { out[0] = '0'; l = 1; }
    out[l] = '\0';
    return l;
}

/* 1 if `s` parses as a long double (Redis's getLongDoubleFromObject). */
int ferrokv_ld_valid(const char *s, size_t len) {
    long double v;
    return parse_ld(s, len, &v);
}

/* current + incr, both parsed as long doubles. Returns the formatted length, or
 * -1: current is not a float, -2: incr is not a float, -3: result is NaN or infinite. */
int ferrokv_ld_add(const char *cur, size_t cur_len, const char *incr, size_t incr_len,
                   char *out, size_t cap) {
    long double a = 0, b;
    if (cur != NULL && !parse_ld(cur, cur_len, &a)) return -1;
    if (!parse_ld(incr, incr_len, &b)) return -2;
    a += b;
    if (isnan(a) || isinf(a)) return -3;
    return format_ld_human(a, out, cap);
}

/* Parses `s` as Redis's string2d does (strtod over the whole input, no leading space,
 * no NaN). Returns 1 on success. */
int ferrokv_parse_double(const char *s, size_t len, double *out) {
    char buf[5 * 1024];
    char *end;
    double v;
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v = strtod(buf, &end);
    if (isspace((unsigned char)buf[0]) || (size_t)(end - buf) != len ||
        (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO)) ||
        isnan(v))
        return 0;
    *out = v;
    return 1;
}

/* printf("%.17g") of a double, as RESP3 doubles are written by Redis 7.0. */
int ferrokv_format_g17(double v, char *out, size_t cap) {
    return snprintf(out, cap, "%.17g", v);
}
