package ussd

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mlango/mlango/normalize"
)

// condition compiles one `when` condition: a name and exactly one test.
func (c *compiler) condition(id, what string, y condYAML) condition {
	k := condition{name: y.Var}
	tests := 0
	add := func(op string) { tests++; k.op = op }
	if y.Eq != nil {
		add("eq")
		k.str = *y.Eq
	}
	if y.Ne != nil {
		add("ne")
		k.str = *y.Ne
	}
	if y.In != nil {
		add("in")
		k.set = y.In
	}
	if y.Empty {
		add("empty")
	}
	if y.NotEmpty {
		add("not_empty")
	}
	for _, n := range []struct {
		op string
		v  *float64
	}{{"gt", y.Gt}, {"ge", y.Ge}, {"lt", y.Lt}, {"le", y.Le}} {
		if n.v != nil {
			add(n.op)
			k.num = *n.v
		}
	}
	if tests != 1 {
		c.errorf(id, "%s: has %d tests; want exactly one of eq, ne, in, empty, not_empty, gt, ge, lt, le", what, tests)
	}
	if y.Var == "" {
		c.errorf(id, "%s: no var; want the variable to test", what)
	}
	c.conds = append(c.conds, condUse{step: id, what: what, name: y.Var})
	return k
}

// holds evaluates the condition against value. Numeric tests are false
// when value is not a number, so a router falls through to its default.
func (k condition) holds(value string) bool {
	switch k.op {
	case "eq":
		return value == k.str
	case "ne":
		return value != k.str
	case "in":
		return slices.Contains(k.set, value)
	case "empty":
		return value == ""
	case "not_empty":
		return value != ""
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil {
		return false
	}
	switch k.op {
	case "gt":
		return n > k.num
	case "ge":
		return n >= k.num
	case "lt":
		return n < k.num
	case "le":
		return n <= k.num
	}
	return false
}

// check validates input, returning the value to save: the input itself,
// or for a phone number its E.164 form.
func (v validator) check(input string) (string, bool) {
	switch v.rule {
	case "regex":
		return input, v.re != nil && v.re.MatchString(input)
	case "numeric":
		return input, isDigits(input)
	case "between":
		n, err := strconv.ParseFloat(input, 64)
		return input, err == nil && isNumberLike(input) && n >= v.lo && n <= v.hi
	case "len":
		n := utf8.RuneCountInString(input)
		return input, float64(n) >= v.lo && float64(n) <= v.hi
	case "phone":
		return phoneNumber(input, v.calling)
	case "in":
		return input, slices.Contains(v.set, input)
	}
	return input, false
}

// isNumberLike rejects what ParseFloat accepts but no caller types as an
// amount: "Inf", "NaN", hex and exponents.
func isNumberLike(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	return isDigits(whole) && (!dot || isDigits(frac))
}

// phoneNumber accepts an international number (+254…, 00254…, 254…) or,
// with a calling code, a national one with a leading 0, and returns it in
// E.164.
func phoneNumber(input, calling string) (string, bool) {
	s := strings.TrimSpace(input)
	if calling != "" && strings.HasPrefix(s, "0") && !strings.HasPrefix(s, "00") {
		s = calling + s[1:]
	}
	e := normalize.Phone(s)
	if len(e) < 8 || e[0] != '+' || !isDigits(e[1:]) {
		return input, false
	}
	return e, true
}

// validate runs every validator in order; the first failing one's index
// is returned so its message can be shown.
func validate(vs []validator, input string) (value string, failed int) {
	value = input
	for i, v := range vs {
		var ok bool
		if value, ok = v.check(value); !ok {
			return input, i
		}
	}
	return value, -1
}
