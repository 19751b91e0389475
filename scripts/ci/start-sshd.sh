#!/usr/bin/env bash
# Starts an sshd on 127.0.0.1:2222 for the tests that reach the Slurm cluster over real SSH (the
# fine-tuning transport; see DESIGN.md, "A real Slurm in tests"). It has its own config, host key
# and authorized keys in one state folder, so the machine's own sshd and ~/.ssh are never touched.
# Keys only. Idempotent: an sshd that already lets the test key in is left as it is.
#
# State folder (${ONCO_TEST_SSH_DIR:-/var/lib/oncotimeline-test-ssh}):
#   host_ed25519_key(.pub)   the server's host key, made once
#   client_ed25519(.pub)     a client key authorized for the current user
#   wrong_ed25519(.pub)      a client key that is not authorized (for the refusal test)
#   known_hosts              "[127.0.0.1]:2222 ssh-ed25519 ..." for the host key
#   sshd_config, sshd.pid, sshd.log, authorized_keys
set -euo pipefail
dir=${ONCO_TEST_SSH_DIR:-/var/lib/oncotimeline-test-ssh}
host=127.0.0.1
port=2222
user=$(id -un)

mkdir -p "$dir"
chmod 0700 "$dir"
for key in host_ed25519_key client_ed25519 wrong_ed25519; do
  [ -s "$dir/$key" ] || ssh-keygen -q -t ed25519 -N "" -C "oncotimeline-test-$key" -f "$dir/$key"
done
cp "$dir/client_ed25519.pub" "$dir/authorized_keys"
chmod 0600 "$dir/authorized_keys"
echo "[$host]:$port $(cut -d' ' -f1,2 "$dir/host_ed25519_key.pub")" >"$dir/known_hosts"

# Whether the test client gets in, with the host key checked against our known_hosts.
can_connect() {
  ssh -n -p "$port" -i "$dir/client_ed25519" -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=3 \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$dir/known_hosts" -o GlobalKnownHostsFile=/dev/null \
    "$user@$host" true 2>/dev/null
}

if can_connect; then
  echo "sshd: already listening on $host:$port"
  exit 0
fi

# UsePAM no: PAM's session modules (pam_loginuid) fail in containers and would close every
# session; without PAM, sshd refuses accounts whose password is locked with "!", so the user
# needs "*" or a password in /etc/shadow. StrictModes no: the state folder may sit under /tmp,
# whose mode sshd's ownership checks reject. internal-sftp: no separate sftp-server binary needed.
cat >"$dir/sshd_config" <<EOF
ListenAddress $host:$port
HostKey $dir/host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PermitEmptyPasswords no
UsePAM no
StrictModes no
AllowUsers $user
X11Forwarding no
AllowTcpForwarding no
PrintMotd no
Subsystem sftp internal-sftp
EOF

# sshd refuses to start without its privilege-separation folder; nothing creates it without systemd.
mkdir -p /run/sshd
chmod 0755 /run/sshd
/usr/sbin/sshd -t -f "$dir/sshd_config"
if [ -s "$dir/sshd.pid" ] && kill -0 "$(cat "$dir/sshd.pid")" 2>/dev/null; then
  # Running with an older config (or refusing the key): restart it with this one.
  kill "$(cat "$dir/sshd.pid")"
  sleep 0.5
fi
/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"

for _ in $(seq 1 40); do
  if can_connect; then
    echo "sshd: listening on $host:$port"
    exit 0
  fi
  sleep 0.25
done
echo "sshd: the test key does not get in on $host:$port" >&2
tail -20 "$dir/sshd.log" >&2 || true
exit 1
