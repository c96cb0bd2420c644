/*
 * printf-style formatting (C11 7.21.6.1, without floating point and %n).
 *
 * One formatter writes into a `struct out`: either a caller's buffer that
 * silently stops filling when full (ksnprintf), or a stack buffer that is
 * handed to the console whenever it fills and once at the end (kprintf), so
 * a line is written whole and long output is split, never lost.
 *
 * Conversion specification:  %[flags][width][.precision][length]conversion
 *   flags      - 0 + space #
 *   width      digits or *   (a negative * width means '-' and |width|)
 *   precision  .digits or .* (a negative * precision means none)
 *   length     hh h l ll z t j
 *   conversion d i u x X o c s p %
 * %s of NULL prints "(null)"; %p prints like %#lx (also "0x0" for NULL).
 */
#include "lib/console.h"
#include "lib/printf.h"
#include "lib/string.h"

#define INT_MAX __INT_MAX__
#define INT_MIN (-__INT_MAX__ - 1)
#define KPRINTF_BUF 256 /* kprintf's stack buffer: longer output is split */

struct out {
	char *buf;
	size_t cap;    /* bytes buf holds before it is full */
	size_t len;    /* bytes in buf */
	size_t total;  /* bytes produced so far (the return value) */
	bool console;  /* when full, write buf to the console and go on */
};

static void put(struct out *o, char c)
{
	o->total++;
	if (o->len == o->cap) {
		if (!o->console)
			return;
		console_write(o->buf, o->len);
		o->len = 0;
	}
	o->buf[o->len++] = c;
}

static void put_n(struct out *o, char c, int n)
{
	for (; n > 0; n--)
		put(o, c);
}

#define F_LEFT BIT(0)  /* '-' */
#define F_ZERO BIT(1)  /* '0' */
#define F_PLUS BIT(2)  /* '+' */
#define F_SPACE BIT(3) /* ' ' */
#define F_ALT BIT(4)   /* '#' */

enum length { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_T, L_J };

struct spec {
	unsigned flags;
	int width;     /* 0: none */
	int prec;      /* -1: none */
	enum length length;
};

/* Padding around a body of `n` bytes: the spaces before it and after it. */
static int pad_before(const struct spec *sp, int n)
{
	return !(sp->flags & F_LEFT) && sp->width > n ? sp->width - n : 0;
}

static int pad_after(const struct spec *sp, int n)
{
	return (sp->flags & F_LEFT) && sp->width > n ? sp->width - n : 0;
}

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
	int n;

	if (!s)
		s = "(null)";
	n = (int)strnlen(s, sp->prec < 0 ? INT_MAX : (size_t)sp->prec);
	put_n(o, ' ', pad_before(sp, n));
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	put_n(o, ' ', pad_after(sp, n));
}

/*
 * An integer: [spaces] [sign or 0x prefix] [zeros] digits [spaces].
 * `sign` is '-', '+', ' ' or 0.
 */
static void put_num(struct out *o, const struct spec *sp, uint64_t v,
		    char sign, unsigned base, bool upper)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24]; /* 64 bits in octal: 22 digits */
	char prefix[3];
	int nd = 0, np = 0, zeros, body;
	bool alt_hex = (sp->flags & F_ALT) && base == 16 && v != 0;

	if (v != 0 || sp->prec != 0) {
		do {
			digits[nd++] = dig[v % base];
			v /= base;
		} while (v);
	}
	if (sign)
		prefix[np++] = sign;
	if (alt_hex) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}
	zeros = sp->prec > nd ? sp->prec - nd : 0;
	/* '#' with octal: the first digit is a 0. */
	if ((sp->flags & F_ALT) && base == 8 && zeros == 0 &&
	    (nd == 0 || digits[nd - 1] != '0'))
		zeros = 1;
	body = np + zeros + nd;
	/* '0' pads with zeros after the sign, unless '-' or a precision is given. */
	if ((sp->flags & (F_ZERO | F_LEFT)) == F_ZERO && sp->prec < 0 &&
	    sp->width > body) {
		zeros += sp->width - body;
		body = sp->width;
	}
	put_n(o, ' ', pad_before(sp, body));
	for (int i = 0; i < np; i++)
		put(o, prefix[i]);
	put_n(o, '0', zeros);
	while (nd > 0)
		put(o, digits[--nd]);
	put_n(o, ' ', pad_after(sp, body));
}

static int64_t arg_signed(enum length l, va_list *ap)
{
	switch (l) {
	case L_HH:
		return (signed char)va_arg(*ap, int);
	case L_H:
		return (short)va_arg(*ap, int);
	case L_L:
		return va_arg(*ap, long);
	case L_LL:
		return va_arg(*ap, long long);
	case L_Z:
	case L_T:
		return va_arg(*ap, ptrdiff_t); /* the signed type of size_t's width */
	case L_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(enum length l, va_list *ap)
{
	switch (l) {
	case L_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case L_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case L_L:
		return va_arg(*ap, unsigned long);
	case L_LL:
		return va_arg(*ap, unsigned long long);
	case L_Z:
		return va_arg(*ap, size_t);
	case L_T:
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	case L_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

/* A decimal field (width or precision), saturating instead of overflowing. */
static int parse_int(const char **fmt)
{
	int v = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		int d = *(*fmt)++ - '0';

		v = v > (INT_MAX - d) / 10 ? INT_MAX : v * 10 + d;
	}
	return v;
}

/* Parse one specification after its '%'; *fmt ends on the conversion. */
static void parse_spec(const char **fmt, struct spec *sp, va_list *ap)
{
	const char *f = *fmt;

	sp->flags = 0;
	for (;; f++) {
		if (*f == '-')
			sp->flags |= F_LEFT;
		else if (*f == '0')
			sp->flags |= F_ZERO;
		else if (*f == '+')
			sp->flags |= F_PLUS;
		else if (*f == ' ')
			sp->flags |= F_SPACE;
		else if (*f == '#')
			sp->flags |= F_ALT;
		else
			break;
	}
	if (*f == '*') {
		f++;
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->flags |= F_LEFT;
			sp->width = sp->width == INT_MIN ? INT_MAX : -sp->width;
		}
	} else {
		sp->width = parse_int(&f);
	}
	sp->prec = -1;
	if (*f == '.') {
		f++;
		if (*f == '*') {
			f++;
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
		} else {
			sp->prec = parse_int(&f);
		}
	}
	sp->length = L_NONE;
	switch (*f) {
	case 'h':
		sp->length = f[1] == 'h' ? L_HH : L_H;
		f += sp->length == L_HH ? 2 : 1;
		break;
	case 'l':
		sp->length = f[1] == 'l' ? L_LL : L_L;
		f += sp->length == L_LL ? 2 : 1;
		break;
	case 'z':
		sp->length = L_Z;
		f++;
		break;
	case 't':
		sp->length = L_T;
		f++;
		break;
	case 'j':
		sp->length = L_J;
		f++;
		break;
	}
	*fmt = f;
}

static void format(struct out *o, const char *fmt, va_list ap_in)
{
	va_list ap;
	struct spec sp;

	/* A va_list may be an array type; a copy can be passed by address. */
	va_copy(ap, ap_in);
	while (*fmt) {
		const char *start = fmt;

		if (*fmt != '%') {
			put(o, *fmt++);
			continue;
		}
		fmt++;
		parse_spec(&fmt, &sp, &ap);
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(sp.length, &ap);
			char sign = v < 0 ? '-' : (sp.flags & F_PLUS) ? '+' :
				    (sp.flags & F_SPACE) ? ' ' : 0;
			/* -(uint64_t) is well defined for INT64_MIN too. */
			put_num(o, &sp, v < 0 ? -(uint64_t)v : (uint64_t)v, sign, 10, false);
			break;
		}
		case 'u':
			put_num(o, &sp, arg_unsigned(sp.length, &ap), 0, 10, false);
			break;
		case 'x':
		case 'X':
			put_num(o, &sp, arg_unsigned(sp.length, &ap), 0, 16, *fmt == 'X');
			break;
		case 'o':
			put_num(o, &sp, arg_unsigned(sp.length, &ap), 0, 8, false);
			break;
		case 'p': {
			uint64_t v = (uintptr_t)va_arg(ap, void *);

			sp.flags |= F_ALT;
			if (v == 0) {
				sp.prec = -1;
				sp.flags &= ~F_ZERO;
				put_str(o, &sp, "0x0");
			} else {
				put_num(o, &sp, v, 0, 16, false);
			}
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			put_n(o, ' ', pad_before(&sp, 1));
			put(o, c);
			put_n(o, ' ', pad_after(&sp, 1));
			break;
		}
		case 's':
			put_str(o, &sp, va_arg(ap, const char *));
			break;
		case '%':
			put(o, '%');
			break;
		default:
			/* Unknown or truncated: print the specification as is. */
			while (start < fmt)
				put(o, *start++);
			if (*fmt)
				put(o, *fmt);
			else
				fmt--;
			break;
		}
		fmt++;
	}
	va_end(ap);
}

static int result(const struct out *o)
{
	return o->total > INT_MAX ? INT_MAX : (int)o->total;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .cap = size ? size - 1 : 0 };

	format(&o, fmt, ap);
	if (size)
		buf[o.len] = '\0';
	return result(&o);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int kvprintf(const char *fmt, va_list ap)
{
	char buf[KPRINTF_BUF];
	struct out o = { .buf = buf, .cap = sizeof(buf), .console = true };

	format(&o, fmt, ap);
	console_write(buf, o.len);
	return result(&o);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void info(const char *fmt, ...)
{
	static const char prefix[] = "faultline: ";
	char buf[KPRINTF_BUF];
	struct out o = { .buf = buf, .cap = sizeof(buf), .console = true };
	va_list ap;

	for (const char *p = prefix; *p; p++)
		put(&o, *p);
	va_start(ap, fmt);
	format(&o, fmt, ap);
	va_end(ap);
	put(&o, '\n');
	console_write(buf, o.len);
}
