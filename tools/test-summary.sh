#!/bin/sh
# Sum the per-tier counts written to build/test/<tier>.count and print the
# closing line. Fails if a tier failed, or ran without recording its count.
set -u
passed=0 failed=0 bad=""
for t in "$@"; do
	f=build/test/$t.count
	if [ -r "$f" ]; then
		read -r p q < "$f"
		passed=$((passed + p)); failed=$((failed + q))
		printf '  %-22s %4d passed, %d failed\n' "$t" "$p" "$q"
		[ "$q" -eq 0 ] || bad="$bad $t"
	else
		printf '  %-22s did not report\n' "$t"
		bad="$bad $t"
	fi
done
[ -r build/test/failed-tiers ] && bad="$bad $(tr '\n' ' ' < build/test/failed-tiers)"
echo "tests: $passed passed, $failed failed"
if [ -n "$bad" ]; then
	echo "faultline: failing tiers:$(echo $bad | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
	exit 1
fi
