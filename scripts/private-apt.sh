# shellcheck shell=bash
# Sourced by fetch-base.sh and get-sparse.sh: a private apt configuration
# (own sources file, lists and cache under DIR) for one Debian SUITE, so
# that the system's apt sources are left alone.  The archive URI is taken
# from the machine's own Debian source (deb822 or one-line format), never
# a hard-coded mirror.  Needs die().
# Usage: private_apt DIR SUITE; sets uri and aptopts.
private_apt() {
	local dir=$1 suite=$2 keyring=/usr/share/keyrings/debian-archive-keyring.gpg

	uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources |
	      awk '{print $2}' | grep -v -- '-security' | grep -m1 debian || true)
	if [ -z "$uri" ]; then
		uri=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		      awk '{print $2}' | grep -v -- '-security' | grep -m1 debian || true)
	fi
	[ -n "$uri" ] || die "no Debian archive URI found in /etc/apt/sources.list*"
	[ -f "$keyring" ] || die "$keyring missing (install debian-archive-keyring)"

	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	echo "deb [signed-by=$keyring] $uri $suite main" > "$dir/sources.list"
	# shellcheck disable=SC2034 # for the caller
	aptopts=(-o "Dir::Etc::sourcelist=$dir/sources.list"
		 -o "Dir::Etc::sourceparts=-"
		 -o "Dir::State::lists=$dir/lists"
		 -o "Dir::Cache=$dir/cache"
		 -o "Debug::NoLocking=1")
}
