#!/usr/bin/env bash
# Runs `bench:gpu` on a GPU machine that has CUDA 13 but neither Node nor a network: unpacks the
# runtime that scripts/bench/gpu-pack.mjs made (.cache/gpu-pack/runtime.tar.xz), points the CUDA
# build of node-llama-cpp at the machine's CUDA libraries, checks that it sees the GPU, then runs
# the benchmark with the arguments given. Output goes to $OUT (default /tmp/gpu-bench).
#
#   bash scripts/bench/gpu-device.sh --sequences 1,8,16,32,64 --grammar off,on ...
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/gpu-bench}
mkdir -p "$OUT"
RT=/tmp/oncotimeline-runtime
started=$(date +%s)

mkdir -p "$RT"
tar -xJf .cache/gpu-pack/runtime.tar.xz -C "$RT" || exit 2
export PATH="$RT/bin:$PATH"
[ -e node_modules ] || ln -s "$RT/node_modules" node_modules
echo "unpacked in $(($(date +%s) - started)) s; node $(node --version)"

# node-llama-cpp's CUDA build links libcudart.so.13 and libcublas.so.13: the toolkit's or pip's.
libs=$(find /usr/local /usr/lib /usr/lib64 /opt -xdev \( -name 'libcublas.so.13' -o -name 'libcudart.so.13' -o -name 'libcuda.so.1' \) 2>/dev/null |
  xargs -r -n1 dirname | sort -u | paste -sd: -)
export LD_LIBRARY_PATH="${libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The kept PTX is compiled by the driver on first use: keep the result for every worker process.
export CUDA_CACHE_PATH=/tmp/cuda-cache CUDA_CACHE_MAXSIZE=4294967296
echo "CUDA libraries: $libs"
nvidia-smi --query-gpu=name,memory.total,memory.free,driver_version,clocks.max.sm --format=csv | tee "$OUT/gpu.txt"
nproc; grep -m1 'model name' /proc/cpuinfo

# The prebuilt CUDA library's PTX came from a newer CUDA than the H200's driver (580) compiles
# ("the provided PTX was compiled with an unsupported toolchain"), so by default the same ggml
# (node-llama-cpp's bundled llama.cpp, ggml-src.tar.xz from gpu-pack.mjs) is built for this GPU
# alone with the machine's own nvcc (~3 min on 16 cores) and put in place of the prebuilt one.
# BUILD_GGML_CUDA=0 keeps the prebuilt library. GGML_CUDA_FA=ON builds flash attention too
# (the prebuilt has it; OFF keeps the build short, and llama.cpp then runs without it).
if [ "${BUILD_GGML_CUDA:-1}" = 1 ]; then
  cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)
  bins="$RT/node_modules/@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda"
  rm -rf /tmp/ggml && mkdir -p /tmp/ggml && tar -xJf .cache/gpu-pack/ggml-src.tar.xz -C /tmp/ggml
  # llama.cpp's copy of ggml lacks the pkg-config template a standalone ggml build writes.
  touch /tmp/ggml/ggml/ggml.pc.in
  cmake -S /tmp/ggml/ggml -B /tmp/ggml/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON \
    -DGGML_BUILD_TESTS=OFF -DGGML_BUILD_EXAMPLES=OFF -DGGML_NATIVE=OFF -DGGML_CUDA=ON -DGGML_CUDA_NCCL=OFF -DGGML_CUDA_FA="${GGML_CUDA_FA:-OFF}" -DCMAKE_CUDA_ARCHITECTURES="${cap}-real" >"$OUT/ggml-build.log" 2>&1 &&
    cmake --build /tmp/ggml/build --target ggml-cuda -j "$(nproc)" >>"$OUT/ggml-build.log" 2>&1 ||
    { tail -30 "$OUT/ggml-build.log"; echo "building ggml-cuda failed"; exit 4; }
  cp "$(find /tmp/ggml/build -name libggml-cuda.so | head -1)" "$bins/libggml-cuda.so"
  echo "built ggml-cuda for sm_$cap in $(($(date +%s) - started)) s (since start)"
fi

[ -e "$RT/node_modules/@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda/libggml-cuda.so" ] ||
  { echo "no CUDA library: build it here (BUILD_GGML_CUDA=1) or pack the prebuilt one (gpu-pack.mjs --prebuilt-cuda)"; exit 3; }
node scripts/bench/gpu-preflight.mjs 2>&1 | tee "$OUT/preflight.txt"
grep -q "^node-llama-cpp cuda" "$OUT/preflight.txt" || { echo "the CUDA build did not load: not benchmarking on the CPU"; exit 3; }

node --import tsx scripts/bench/gpu.ts --vocab "$RT/vocab/llama-bpe.gguf" "$@" 2>&1 | tee "$OUT/bench.log"
echo "done in $(($(date +%s) - started)) s"
