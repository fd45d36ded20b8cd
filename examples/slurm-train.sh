#!/bin/bash
# Data-parallel training of one network on 4 nodes under Slurm: one MPI rank per node, every core of a node used by
# that rank's OpenMP threads. Submit with: sbatch examples/slurm-train.sh
# Needs spikegrad built from source on the cluster (npm ci in a checkout, or SPIKEGRAD_BUILD_FROM_SOURCE=1 npm
# rebuild spikegrad) with the cluster's MPI found, so build/Release/spikegrad_mpi.node exists; and --out on a file
# system every node sees (rank 0 writes there, every rank reads it to resume).
#SBATCH --job-name=spikegrad-ssc
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=32
#SBATCH --time=04:00:00
#SBATCH --output=spikegrad-%j.log
set -euo pipefail

module load openmpi 2>/dev/null || true   # site-specific; the MPI spikegrad was built against
export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK}"
OUT="${SPIKEGRAD_OUT:-$HOME/runs/ssc-1024}"

# --resume if a previous job of this run left a checkpoint (a requeued or time-limited job continues where it was).
RESUME=()
[ -f "$OUT/checkpoint.sgck" ] && RESUME=(--resume)

# The SSC-sized network of issue 17: 700 inputs, 1024 recurrent units; a global batch of 512 = 4 ranks x 128.
srun --mpi=pmix npx spikegrad train --distributed mpi --mpi-timeout 900 --out "$OUT" "${RESUME[@]}" \
  --dataset ssc --layers 1024 --recurrent --batch-size 512 --epochs 50 --threads "$OMP_NUM_THREADS" --progress lines
