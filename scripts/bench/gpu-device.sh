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

# A second call on the same (still warm) machine finds the runtime and the CUDA build in place.
if [ ! -x "$RT/bin/node" ]; then
  mkdir -p "$RT"
  tar -xJf .cache/gpu-pack/runtime.tar.xz -C "$RT" || exit 2
fi
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
# (node-llama-cpp's bundled llama.cpp, llama-src.tar.xz from gpu-pack.mjs) is built for this GPU
# alone with the machine's own nvcc (~3 min on 16 cores) and put in place of the prebuilt one.
# BUILD_GGML_CUDA=0 keeps the prebuilt library. Flash attention is built in, as in the prebuilt
# library; GGML_CUDA_FA=OFF leaves its kernels empty for a shorter build (244 s on the H200's 16
# cores with llama-server, 2026-12-04), and llama.cpp then runs without it: 16 sequences of
# ≈3k tokens then took 80 ms per decode.
# BUILD_LLAMA_SERVER=1 builds llama.cpp's llama-server and llama-batched-bench in the same build
# (a few minutes more) and hands them to the benchmark (--llama-server, --batched-bench): the
# server for the comparison, batched-bench for what this build's decoding alone can do.
bins="$RT/node_modules/@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda"
# Two builds, each in its own folder: ggml's alone, or llama.cpp's with its programs.
full=/tmp/llama/build-full
if [ "${BUILD_LLAMA_SERVER:-0}" = 1 ]; then build=$full; else build=/tmp/llama/build-ggml; fi
built=$(find "$full" "$build" -name libggml-cuda.so 2>/dev/null | head -1)
if [ -n "$built" ] && { [ "${BUILD_LLAMA_SERVER:-0}" = 0 ] || [ -x "$full/bin/llama-batched-bench" ]; }; then
  cp "$built" "$bins/libggml-cuda.so"
  echo "using the CUDA build an earlier call left in $(dirname "$built")"
elif [ "${BUILD_GGML_CUDA:-1}" = 1 ]; then
  cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)
  # A call cut at its time limit mid-build leaves the sources and half a build: the next call on
  # the same machine goes on from there (ninja builds only what is missing).
  [ -e /tmp/llama/CMakeLists.txt ] || { mkdir -p /tmp/llama && tar -xJf .cache/gpu-pack/llama-src.tar.xz -C /tmp/llama; }
  # CUDA graphs (one launch for a whole decode) are on in llama.cpp's builds, node-llama-cpp's
  # included, but off by default when ggml is built on its own: asked for, so both builds match.
  common=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON -DGGML_NATIVE=OFF -DGGML_CUDA=ON
    -DGGML_CUDA_NCCL=OFF -DGGML_CUDA_GRAPHS=ON -DGGML_CUDA_FA="${GGML_CUDA_FA:-ON}" -DCMAKE_CUDA_ARCHITECTURES="${cap}-real")
  if [ "${BUILD_LLAMA_SERVER:-0}" = 1 ]; then
    # The web UI would be downloaded, and HTTPS needs OpenSSL: neither is needed to serve the API.
    configure=(cmake -S /tmp/llama -B "$build" "${common[@]}" -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF
      -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF)
    targets=(ggml-cuda ggml-cpu llama-server llama-batched-bench)
  else
    # llama.cpp's copy of ggml lacks the pkg-config template a standalone ggml build writes.
    touch /tmp/llama/ggml/ggml.pc.in
    configure=(cmake -S /tmp/llama/ggml -B "$build" "${common[@]}" -DGGML_BUILD_TESTS=OFF -DGGML_BUILD_EXAMPLES=OFF)
    targets=(ggml-cuda)
  fi
  "${configure[@]}" >"$OUT/llama-build.log" 2>&1 &&
    cmake --build "$build" --target "${targets[@]}" -j "$(nproc)" >>"$OUT/llama-build.log" 2>&1 ||
    { tail -30 "$OUT/llama-build.log"; echo "building ${targets[*]} failed"; exit 4; }
  cp "$(find "$build" -name libggml-cuda.so | head -1)" "$bins/libggml-cuda.so"
  echo "built ${targets[*]} for sm_$cap in $(($(date +%s) - started)) s (since start)"
fi
# BATCHED_BENCH=0 leaves batched-bench out (a second call on a warm machine that has its figures).
server=()
if [ "${BUILD_LLAMA_SERVER:-0}" = 1 ]; then
  server=(--server-log "$OUT/llama-server.log")
  [ -x "$full/bin/llama-server" ] && server+=(--llama-server "$full/bin/llama-server")
  [ -x "$full/bin/llama-batched-bench" ] && [ "${BATCHED_BENCH:-1}" = 1 ] &&
    server+=(--batched-bench "$full/bin/llama-batched-bench")
fi

[ -e "$bins/libggml-cuda.so" ] ||
  { echo "no CUDA library: build it here (BUILD_GGML_CUDA=1) or pack the prebuilt one (gpu-pack.mjs --prebuilt-cuda)"; exit 3; }
node scripts/bench/gpu-preflight.mjs 2>&1 | tee "$OUT/preflight.txt"
grep -q "^node-llama-cpp cuda" "$OUT/preflight.txt" || { echo "the CUDA build did not load: not benchmarking on the CPU"; exit 3; }

node --import tsx scripts/bench/gpu.ts --vocab "$RT/vocab/llama-bpe.gguf" "${server[@]}" "$@" 2>&1 | tee "$OUT/bench.log"
echo "done in $(($(date +%s) - started)) s"
