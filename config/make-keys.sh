#!/bin/sh
# Makes, once, the SSH keys docker-compose.yml expects beside this script (docs/deploy.md, step 2):
#   ssh/id_ed25519               the workers' identity (inventory.yml: identity_file)
#   lab/ssh_host_ed25519_key     the lab's host key (sickbay lab --host-key)
#   lab/authorized_keys          the workers' public key, which the lab accepts (--authorized-keys)
#   known_hosts                  the lab's host key for every port of the `lab` host ([lab]:*)
# Keys that exist are kept: run it again after adding hosts, never to rotate a key.
set -eu
cd "$(dirname "$0")"
command -v ssh-keygen >/dev/null || { echo "make-keys: ssh-keygen is needed (Debian: apt-get install openssh-client)" >&2; exit 1; }
mkdir -p ssh lab
[ -f ssh/id_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -C sickbay-worker -f ssh/id_ed25519
[ -f lab/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -C sickbay-lab -f lab/ssh_host_ed25519_key
cp ssh/id_ed25519.pub lab/authorized_keys
printf '[lab]:* %s\n' "$(cut -d' ' -f1,2 lab/ssh_host_ed25519_key.pub)" > known_hosts
# The containers run as uid 1000 (the image's `node` user): the private keys must be readable by it.
if [ "$(id -u)" = 0 ]; then
  chown 1000:1000 ssh/id_ed25519 lab/ssh_host_ed25519_key
elif [ "$(id -u)" != 1000 ]; then
  echo "make-keys: the containers run as uid 1000; make the keys theirs: sudo chown 1000:1000 $(pwd)/ssh/id_ed25519 $(pwd)/lab/ssh_host_ed25519_key" >&2
fi
echo "make-keys: keys in $(pwd)/ssh and $(pwd)/lab, known_hosts written"
