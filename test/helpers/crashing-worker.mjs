// An inference child that dies the way llama.cpp does on a CUDA error (seen on an H200): the cause
// among some 30 backtrace frames on stderr, then SIGABRT. The engine must report the cause.
const frames = Array.from({ length: 30 }, (_, i) => `/opt/app/node_modules/@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda/libggml-cuda.so(+0x2bad${i})[0x7f11db0bad${i}]`);
process.on("message", () => {
  process.stderr.write(
    [
      "/home/runner/work/node-llama-cpp/node-llama-cpp/llama/llama.cpp/ggml/src/ggml-cuda/ggml-cuda.cu:108: CUDA error",
      ...frames.slice(0, 12),
      "[node-llama-cpp] CUDA error: the provided PTX was compiled with an unsupported toolchain.",
      ...frames.slice(12),
      "[node-llama-cpp]   current device: 0, in function ggml_cuda_kernel_can_use_pdl at common.cuh:1679",
      "node(_ZZN4node14ThreadPoolWork12ScheduleWorkEvENUlP9uv_work_sE_4_FUNES2_+0x59)[0xc71349]",
      "node[0x18a7b40]",
      "",
    ].join("\n"),
    () => process.abort(),
  );
});
