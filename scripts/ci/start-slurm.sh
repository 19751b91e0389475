#!/usr/bin/env bash
# Starts a single-node Slurm on this machine (as root; no systemd): munge, slurmctld, slurmd, with
# accounting off. For the tests that submit the real Slurm scripts (.ci/run runs it; on a
# workstation with Debian's slurmctld, slurmd, slurm-client and munge it works the same).
# Idempotent: an already answering Slurm is left as it is. Prints the node once it is idle.
set -euo pipefail
if sinfo -h -o %T 2>/dev/null | grep -q idle; then
  echo "slurm: already running ($(sinfo -h -o '%N %T'))"
  exit 0
fi

node=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
mkdir -p /etc/slurm /run/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
chown slurm:slurm /run/slurm /var/spool/slurmctld /var/log/slurm 2>/dev/null || true

# A node name that differs from `hostname -s` fails with "_find_node_record: lookup failure".
cat >/etc/slurm/slurm.conf <<EOF
ClusterName=oncotimeline-test
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerParameters=sched_interval=1
ReturnToService=2
MailProg=/bin/true
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

[ -s /etc/munge/munge.key ] || mungekey --create >/dev/null 2>&1 || mungekey -c
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 0700 /etc/munge
pgrep -x munged >/dev/null || runuser -u munge -- munged
pgrep -x slurmctld >/dev/null || slurmctld
pgrep -x slurmd >/dev/null || slurmd

for _ in $(seq 1 60); do
  if sinfo -h -o %T 2>/dev/null | grep -q idle; then
    echo "slurm: $(sinfo -h -o '%N %T, %c CPUs')"
    exit 0
  fi
  sleep 0.5
done
echo "slurm: the node did not become idle" >&2
sinfo >&2 || true
tail -5 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
