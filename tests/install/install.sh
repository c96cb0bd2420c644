#!/bin/sh
# One case of tier test-install: the README's install on a bare Debian root.
#
#   tests/install/install.sh CODENAME      (as root, from the top of the clone)
#
# 1. root     a minimal root of CODENAME (mmdebstrap --variant=apt: Essential
#             and apt, nothing else: no make, python3, git, compiler or
#             QEMU). The tarball is cached as $INSTALL_CACHE/<codename>-root.tar
#             and made again when missing or older than INSTALL_ROOT_DAYS.
# 2. unpack   the tarball into a new, empty directory: every run installs
#             from scratch.
# 3. clone    the commit at HEAD (a git bundle of HEAD, cloned inside: what is
#             committed, never the work tree; BUILD_ID works as in any clone).
# 4. deps     tools/deps.sh, as root, chrooted, in a clean environment; then
#             again, which must find nothing to do.
# 5. bench    make bench (the README's first command: the qemu-virt kernel,
#             the default suite under ICOUNT, the headline table); its counts
#             against the committed ones on the running release; git status
#             clean after it.
# 6. boot     one run=tests boot of it on QEMU virt (KTAP, every test ok).
#
# The script runs in its own mount and PID namespaces (unshare): the root's
# tmpfs (INSTALL_TMPFS, its size cap; 0 puts the root on disk under
# /var/tmp), its /proc, /dev and /sys exist there only and go with it on any
# exit, as does every process the install starts; a trap unmounts them
# too. The tmpfs is for time: dpkg's writes and the removal of a 2 GB root
# cost minutes on a busy disk. apt's downloaded .debs are kept in
# $INSTALL_CACHE/apt-<codename>/, bind-mounted as the root's
# /var/cache/apt/archives: a cache of downloads only, every package is
# still unpacked and configured (INSTALL_APT_CACHE=0: download them too).
#
# Prints a line per step with its time, keeps the whole output in
# build/test/install/<codename>.log (the console in <codename>-boot.log),
# and on failure prints the log's tail. Exit: 0 installed, built and
# booted; 1 a step failed; 77 the case cannot run here (the reason is
# printed: mmdebstrap cannot make that release).
set -eu

codename=${1:?usage: install.sh CODENAME}
cache=${INSTALL_CACHE:-/var/cache/faultline}
days=${INSTALL_ROOT_DAYS:-7}
mirror=${INSTALL_MIRROR:-http://deb.debian.org/debian}
timeout=${INSTALL_BOOT_TIMEOUT:-120}
tmpfs=${INSTALL_TMPFS:-6G}
out=build/test/install
log=$out/$codename.log
name="install $codename"

if [ "${FAULTLINE_INSTALL_NS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "$name: FAILED: needs root (mmdebstrap, chroot, mount)"; exit 1; }
	for c in mmdebstrap unshare chroot git; do
		command -v $c >/dev/null 2>&1 ||
			{ echo "$name: FAILED: no $c here (tools/deps.sh installs mmdebstrap)"; exit 1; }
	done
	FAULTLINE_INSTALL_NS=1 exec unshare --mount --pid --fork --propagation private "$0" "$@"
fi

mkdir -p "$out"
: > "$log"
t0=$(date +%s)
elapsed() {
	s=$(($(date +%s) - $1))
	printf '%dm%02ds' $((s / 60)) $((s % 60))
}
fail() {
	echo "$name: FAILED at $1 ($(elapsed "$t0")): last lines of $log:"
	tail -n 25 "$log" | sed 's/^/  | /'
	exit 1
}
# step LABEL CMD...: run CMD with its output in the log, then say how long.
step() {
	label=$1
	shift
	ts=$(date +%s)
	echo "=== $label" >> "$log"
	# Not in an if: set -e must hold inside the step's function. In the
	# background, so that an INT or TERM runs the trap at once, not when
	# the step (apt, dpkg) is done.
	set +e
	(set -e; "$@") >> "$log" 2>&1 &
	wait $!
	rc=$?
	set -e
	[ $rc = 0 ] || fail "$label"
	echo "$name: $label ok ($(elapsed "$ts"), total $(elapsed "$t0"))"
}

tmp=$(mktemp -d /var/tmp/faultline-install.XXXXXX)
root=$tmp/root
cleanup() {
	rc=$?
	set +e
	# PID 1 of the namespace: stop whatever an interrupted step left
	# running (dpkg in its own process group), so the mounts are free.
	# (kill fails when there is nothing left: the usual case.)
	[ $$ != 1 ] || { kill -KILL -1 2>/dev/null && sleep 1; }
	for m in var/cache/apt/archives sys dev proc; do
		if mountpoint -q "$root/$m"; then umount -R "$root/$m" || umount -lR "$root/$m"; fi
	done
	if [ "$tmpfs" != 0 ]; then
		mountpoint -q "$tmp" && { umount "$tmp" || umount -l "$tmp"; }
	fi
	# Whatever is still mounted under it is not removed.
	if grep -qs " $tmp[/ ]" /proc/mounts; then
		echo "$name: mounts left under $tmp, not removing it" >&2
	else
		rm -rf --one-file-system "$tmp"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$tmpfs" = 0 ] || mount -t tmpfs -o "size=$tmpfs,mode=755" tmpfs "$tmp"
mkdir -p "$cache"

# 1. The bare root, cached.
tar=$cache/$codename-root.tar
# A name of its own (two runs at once), ending .tar: mmdebstrap picks the
# format by the suffix.
new=$(mktemp -u "$cache/$codename-root.new-XXXXXX").tar
if [ ! -s "$tar" ] || [ -n "$(find "$tar" -mtime +"$days" 2>/dev/null)" ]; then
	ts=$(date +%s)
	echo "=== root (mmdebstrap --variant=apt $codename)" >> "$log"
	if ! mmdebstrap --variant=apt "$codename" "$new" "$mirror" >> "$log" 2>&1; then
		rm -rf "$new"
		why=$(grep -m 1 -E '^E:|error' "$log" || echo "see $log")
		echo "$name: SKIP: mmdebstrap cannot make a $codename root here: $why"
		exit 77
	fi
	mv "$new" "$tar"
	echo "$name: root made, $tar ($(elapsed "$ts"), total $(elapsed "$t0"))"
else
	echo "$name: root cached, $tar ($(date -r "$tar" +%F))"
fi

# 2. Unpacked fresh, /proc, /dev, /sys and the download cache mounted.
unpack() {
	mkdir -p "$root"
	tar -C "$root" -xf "$tar"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
	# As in Debian's container images: packages do not start services in
	# a chroot (tftpd-hpa would bind port 69 and outlive the test).
	printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	mount -t proc proc "$root/proc"
	mount --rbind /dev "$root/dev"
	mount --rbind /sys "$root/sys"
	if [ "${INSTALL_APT_CACHE:-1}" = 1 ]; then
		mkdir -p "$cache/apt-$codename" "$root/var/cache/apt/archives"
		# Versions superseded since: a month after download, gone.
		find "$cache/apt-$codename" -name '*.deb' -mtime +30 -delete
		mount --bind "$cache/apt-$codename" "$root/var/cache/apt/archives"
	fi
	. "$root/etc/os-release"
	echo "root: $PRETTY_NAME, $(du -sxh "$root" | cut -f1)"
}
step unpack unpack

# 3. The committed tree at HEAD.
clone() {
	git bundle create "$tmp/head.bundle" HEAD
	git clone "$tmp/head.bundle" "$root/root/faultline"
	git -C "$root/root/faultline" log -1 --format='clone: %h %s'
}
step "clone $(git rev-parse --short HEAD)" clone

# A command in the clone, chrooted, in the environment of a root shell on a
# fresh install.
inside() {
	chroot "$root" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb /bin/sh -c "cd /root/faultline && $1"
}

# 4-6.
step tools/deps.sh inside "tools/deps.sh"
# Again, as make test's deps does: everything is there, so it says nothing
# and asks apt nothing (a package it cannot install would be asked for again
# on every make test).
again() {
	o=$(inside "tools/deps.sh")
	[ -z "$o" ] || { echo "tools/deps.sh again: $o"; return 1; }
}
step "tools/deps.sh again (nothing left)" again
# The README's first command: builds, boots the default suite under ICOUNT
# and prints the headline table. On the release the committed results were
# made on (the running one), its counts must be the committed ones
# exactly; on another release (another gcc) it must only run.
# Either way the clone stays clean: a user's run never touches results/.
step "make bench" inside "make bench"
bench_check() {
	csv=build/results/qemu-virt-cortex-a72-4k-gcc-icount/default.csv
	if [ "$codename" = "$(. /etc/os-release; echo "$VERSION_CODENAME")" ]; then
		# Both ways at 0 %: every fault case's p50 is the committed one,
		# the numbers the README's first table quotes (test_docnumbers).
		inside "python3 -m tools.results guard --percent 0 $csv results/qemu-virt/default.csv" || return 1
		inside "python3 -m tools.results guard --percent 0 results/qemu-virt/default.csv $csv" || return 1
	else
		inside "test -s $csv" || return 1
	fi
	o=$(inside "git status --porcelain")
	[ -z "$o" ] || { echo "make bench left the clone unclean: $o"; return 1; }
}
step "make bench: counts and a clean clone" bench_check
boot() {
	rc=0
	inside "python3 -m tools.qemu run --tests --name '$name' \
		--kernel build/qemu-virt/faultline.img \
		--board-args '-machine virt -cpu cortex-a72 -m 512M' \
		--append run=tests --timeout $timeout --log build/boot.log" || rc=$?
	cp "$root/root/faultline/build/boot.log" "$out/$codename-boot.log" || true
	return $rc
}
step "boot run=tests" boot
grep -E "^(PASS|FAIL)" "$log" | tail -n 1 | sed "s/^/$name: /"
echo "$name: installed, built and booted in $(elapsed "$t0") (root: $(du -sxh "$root" | cut -f1))"
