# slurm_cluster.sh -- start and stop a one-node Slurm cluster on localhost
# for tests (sourced, not run; used by cli_slurm.sh). Everything lives in
# one temporary directory: a generated munge key and munged's socket, a
# generated slurm.conf (no cgroup plugins, no accounting, ports chosen
# free), state and spool directories and the logs. The daemons run in the
# foreground as children of the test, which stops them by pid.
#
#   slurm_start DIR    0 when sinfo shows the node idle; else 1 with the
#                      reason in $SLURM_WHY (the test then skips with it)
#   slurm_stop         kill the daemons started, by pid, and wait for them
# After slurm_start, SLURM_CONF is exported, so sbatch/squeue/sinfo talk
# to this cluster.
SLURM_PIDS=()
SLURM_WHY=

slurm_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for SECONDS CMD...: poll CMD every 0.5 s until it succeeds
slurm_wait_for() {
    local n=$(($1 * 2))
    shift
    for _ in $(seq "$n"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    return 1
}

slurm_start() {
    local d=$1 b
    for b in munged slurmctld slurmd sbatch squeue sinfo python3; do
        command -v "$b" >/dev/null 2>&1 ||
            PATH=$PATH:/usr/sbin:/sbin command -v "$b" >/dev/null 2>&1 ||
            { SLURM_WHY="$b not installed (scripts/deps.sh test installs slurm-wlm and munge)"; return 1; }
    done
    export PATH=$PATH:/usr/sbin:/sbin
    if [ "$(id -u)" -ne 0 ]; then
        SLURM_WHY="slurmd needs root to start jobs (SlurmdUser=root); running as uid $(id -u)"
        return 1
    fi
    mkdir -p "$d/state" "$d/spool" "$d/munge"
    chmod 700 "$d/munge"
    head -c 1024 /dev/urandom >"$d/munge/munge.key"
    chmod 400 "$d/munge/munge.key"
    local sock=$d/munge/munge.socket
    munged --foreground --force --key-file="$d/munge/munge.key" --socket="$sock" \
        --pid-file="$d/munge/munged.pid" --log-file="$d/munge/munged.log" \
        --seed-file="$d/munge/munge.seed" >"$d/munged.out" 2>&1 &
    SLURM_PIDS+=($!)
    if ! slurm_wait_for 10 test -S "$sock"; then
        SLURM_WHY="munged did not start: $(tail -n 2 "$d/munged.out" "$d/munge/munged.log" 2>/dev/null | tr '\n' ' ')"
        return 1
    fi
    local host cpus ctld_port d_port
    host=$(hostname -s)
    cpus=$(nproc)
    ctld_port=$(slurm_free_port)
    d_port=$(slurm_free_port)
    cat >"$d/slurm.conf" <<CONF
ClusterName=etsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool/slurmd-%n
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobContainerType=job_container/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=etsim Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF=$d/slurm.conf
    slurmctld -D -i -f "$d/slurm.conf" >"$d/slurmctld.out" 2>&1 &
    SLURM_PIDS+=($!)
    slurmd -D -f "$d/slurm.conf" >"$d/slurmd.out" 2>&1 &
    SLURM_PIDS+=($!)
    if ! slurm_wait_for 60 sh -c 'sinfo -h -o %t | grep -qx idle'; then
        SLURM_WHY="the node did not become idle in 60 s (sinfo: $(sinfo -h -o '%t %E' 2>&1 | head -n 1)); slurmctld: $(tail -n 2 "$d/slurmctld.log" "$d/slurmctld.out" 2>/dev/null | tr '\n' ' '); slurmd: $(tail -n 3 "$d/slurmd.log" "$d/slurmd.out" 2>/dev/null | tr '\n' ' ')"
        return 1
    fi
    return 0
}

slurm_stop() {
    local p
    for p in "${SLURM_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${SLURM_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    SLURM_PIDS=()
}
