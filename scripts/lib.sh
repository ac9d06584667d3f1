# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# lib.sh: shared by scripts/test and scripts/demo (source it, do not run it).
# Holds the one list of Debian packages docket needs to build and test, the
# code that installs the missing ones, and the build step both scripts use.
# Requires bash; sets nothing but the names below.

# The Debian 12 packages for building, testing and running docket.
#   build-essential cmake pkg-config git ca-certificates   toolchain
#   libzmq3-dev liblmdb-dev libmsgpack-dev libsystemd-dev
#   libyaml-dev libcmocka-dev                               libraries
#   lmdb-utils            mdb_copy/mdb_stat (backups, tests)
#   systemd               systemd-analyze, systemd-socket-activate (tests)
#   python3 python3-zmq python3-msgpack                     protocol tests
#   procps                ps, pgrep (tests)
#   tzdata                time zones for the group's working-day deadlines
DOCKET_DEB_PACKAGES=(
	build-essential cmake pkg-config git ca-certificates
	libzmq3-dev liblmdb-dev lmdb-utils libmsgpack-dev libsystemd-dev
	libcmocka-dev libyaml-dev
	systemd
	python3 python3-zmq python3-msgpack
	procps
	tzdata
)

# The repository root (this file lives in scripts/).
DOCKET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

docket_say() {
	printf '\n==> %s\n' "$*"
}

docket_die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# Whether a Debian package is installed (status "<want> ok installed").
docket_pkg_installed() {
	local status
	status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[[ $status == *" ok installed" ]]
}

# Run a command as root: directly when we are root, through sudo otherwise.
docket_as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		docket_die "need root to run '$*': run this script as root, or install sudo and give this user sudo rights"
	fi
}

# Install every package of DOCKET_DEB_PACKAGES that is not installed yet.
# Does nothing (and needs no root) when all of them are present.
docket_install_deps() {
	local pkg missing=()

	command -v dpkg-query >/dev/null 2>&1 ||
		docket_die "dpkg-query not found: docket's scripts expect Debian 12 (or a derivative)"
	for pkg in "${DOCKET_DEB_PACKAGES[@]}"; do
		docket_pkg_installed "$pkg" || missing+=("$pkg")
	done
	if ((${#missing[@]} == 0)); then
		docket_say "All ${#DOCKET_DEB_PACKAGES[@]} required Debian packages are installed"
		return 0
	fi

	docket_say "Installing missing Debian packages: ${missing[*]}"
	docket_as_root env DEBIAN_FRONTEND=noninteractive apt-get update ||
		docket_die "apt-get update failed"
	docket_as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${missing[@]}" ||
		docket_die "apt-get install failed for: ${missing[*]}"

	for pkg in "${missing[@]}"; do
		docket_pkg_installed "$pkg" || docket_die "package $pkg is still not installed"
	done
}

# The options of the plain build in build/. scripts/demo uses the same ones
# as scripts/test, so the two share build/ without rebuilding everything.
# shellcheck disable=SC2034 # used by the scripts that source this file
DOCKET_PLAIN_CMAKE_ARGS=(-DDOCKET_WERROR=ON -DDOCKET_SANITIZE=OFF)
# shellcheck disable=SC2034
DOCKET_ASAN_CMAKE_ARGS=(-DDOCKET_WERROR=ON -DDOCKET_SANITIZE=ON)

# docket_build DIR [CMAKE-ARGS...]: configure (source: the repository root)
# and build into DIR, relative to the repository root unless absolute.
# Returns non-zero, after saying which step failed, if either step fails.
docket_build() {
	local dir=$1
	shift
	[[ $dir == /* ]] || dir=$DOCKET_ROOT/$dir

	docket_say "Configuring $dir: cmake $*"
	if ! cmake -S "$DOCKET_ROOT" -B "$dir" "$@"; then
		printf 'error: cmake could not configure %s\n' "$dir" >&2
		return 1
	fi
	docket_say "Building $dir with $(nproc) jobs"
	if ! cmake --build "$dir" -j"$(nproc)"; then
		printf 'error: the build failed in %s\n' "$dir" >&2
		return 1
	fi
}
