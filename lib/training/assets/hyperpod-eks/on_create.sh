#!/bin/bash
# Lifecycle entry point that mlops-constructs ships for EKS-orchestrated SageMaker HyperPod nodes
# (HyperPodScriptsSource.eksNodeStorage()). HyperPod runs it once, as root, when it creates a
# node (OnCreate), and ships its output to the cluster's CloudWatch log group.
#
# What it does: container images and pod volumes are large on training nodes (a deep-learning
# image is often 10-20 GB), so containerd's and the kubelet's state directories move to the
# instance group's extra EBS volume (ebsVolumeSize), which HyperPod mounts at /opt/sagemaker.
# The move is a bind mount declared as systemd mount units that containerd and the kubelet
# require, so it holds after a reboot and neither service starts on the root volume by mistake.
# Without the volume the node is left as the AMI made it.
#
# Test hooks (unset on a node): MLOPS_ROOT prefixes every file path, MLOPS_VOLUME_WAIT_SECONDS
# bounds the wait for the volume (default 60).
set -Eeuo pipefail

readonly ROOT="${MLOPS_ROOT:-}"
readonly VOLUME=/opt/sagemaker
readonly WAIT_SECONDS="${MLOPS_VOLUME_WAIT_SECONDS:-60}"
readonly STATE_DIRS=(/var/lib/containerd /var/lib/kubelet)
# stopped in this order before the move, started again in the reverse order
readonly SERVICES=(kubelet containerd)

say() { printf '[mlops-constructs on_create] %s\n' "$*"; }

on_error() {
  say "failed at line $1: the node is not usable as it is"
  # let the log agent ship this output before HyperPod marks the node as failed
  sync
  sleep "${MLOPS_FAILURE_FLUSH_SECONDS:-30}"
  exit 1
}
trap 'on_error $LINENO' ERR

volume_mounted() {
  local waited=0
  until mountpoint -q "$ROOT$VOLUME"; do
    if (( waited >= WAIT_SECONDS )); then return 1; fi
    sleep 5
    waited=$(( waited + 5 ))
  done
}

if ! volume_mounted; then
  say "$VOLUME is not mounted (the instance group has no ebsVolumeSize): node storage stays on the root volume"
  exit 0
fi

stopped=()
for service in "${SERVICES[@]}"; do
  if systemctl is-active --quiet "$service"; then
    systemctl stop "$service"
    stopped+=("$service")
  fi
done

mkdir -p "$ROOT/etc/systemd/system"
units=()
for dir in "${STATE_DIRS[@]}"; do
  unit="$(systemd-escape --path --suffix=mount "$dir")"
  if mountpoint -q "$ROOT$dir"; then
    say "$dir is a mount point already; left as it is"
    continue
  fi
  target="$VOLUME/node-state$dir"
  mkdir -p "$ROOT$target" "$ROOT$dir"
  # what the AMI put there (containerd's sandbox image, the kubelet's configuration) comes along;
  # a target that has content already is from an earlier run and is kept
  if [ -z "$(ls -A "$ROOT$target")" ]; then
    cp -a "$ROOT$dir/." "$ROOT$target/"
  fi
  cat > "$ROOT/etc/systemd/system/$unit" <<UNIT
[Unit]
Description=$dir on the instance group volume $VOLUME (mlops-constructs)
RequiresMountsFor=$VOLUME
Before=containerd.service kubelet.service

[Mount]
What=$target
Where=$dir
Type=none
Options=bind

[Install]
WantedBy=local-fs.target
RequiredBy=containerd.service kubelet.service
UNIT
  units+=("$unit")
  say "$dir now lives in $target ($unit)"
done

systemctl daemon-reload
for unit in "${units[@]}"; do
  systemctl enable --now "$unit"
done

for (( i = ${#stopped[@]} - 1; i >= 0; i-- )); do
  systemctl start "${stopped[$i]}"
done
say "done"
