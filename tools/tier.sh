#!/bin/sh
# The pass/fail count of one test tier, kept in build/test/<tier>.count as
# "<passed> <failed>" (what tools/test-summary.sh reads). A tier's recipe
# calls it once per step:
#
#   tier.sh TIER start                  count from "0 0"
#   tier.sh TIER check LABEL CMD...     run CMD: exit 0 is one pass, else one
#                                       failure ("FAILED: LABEL")
#   tier.sh TIER add PASSED FAILED      add counts a step reported itself
#   tier.sh TIER results FILE...        one pass per FILE with a line that
#                                       starts with PASS, else one failure
#   tier.sh TIER cmocka BIN LOG         run a cmocka binary into LOG and add
#                                       its test cases; a non-zero exit with
#                                       no failed case (a sanitizer report, a
#                                       crash) is one more failure
#   tier.sh TIER end [WHAT]             print "<name>: P passed, F failed
#                                       (WHAT)"; exit 1 if F > 0
set -u
tier=$1 verb=$2
shift 2
count=build/test/$tier.count

add() {
	p=0 f=0
	[ -r "$count" ] && read -r p f < "$count"
	echo "$((p + $1)) $((f + $2))" > "$count"
}

case $verb in
start)
	mkdir -p build/test
	echo "0 0" > "$count"
	;;
check)
	label=$1
	shift
	if "$@"; then add 1 0; else add 0 1; echo "FAILED: $label"; fi
	;;
add)
	add "$1" "$2"
	;;
results)
	for r in "$@"; do
		if grep -q '^PASS' "$r" 2>/dev/null; then add 1 0; else add 0 1; fi
	done
	;;
cmocka)
	bin=$1 log=$2
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$bin" > "$log" 2>&1
	rc=$?
	cat "$log"
	tp=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	tf=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	tf=${tf:-0}
	if [ $rc -ne 0 ]; then
		echo "FAILED: $bin (exit $rc)"
		[ "$tf" -eq 0 ] && tf=1
	fi
	add "${tp:-0}" "$tf"
	;;
end)
	p=0 f=1
	[ -r "$count" ] && read -r p f < "$count"
	echo "${tier#test-}: $p passed, $f failed${1:+ ($1)}"
	[ "$f" -eq 0 ]
	;;
*)
	echo "tier.sh: unknown step '$verb'" >&2
	exit 2
	;;
esac
