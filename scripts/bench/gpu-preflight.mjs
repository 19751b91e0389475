// Says whether node-llama-cpp's CUDA build loads here, which GPU it sees, and that it computes
// (gpu-device.sh runs it before benchmarking, so a run never measures the CPU by mistake). A file,
// not `node -e`: node-llama-cpp tests its binary in a forked child, which would inherit -e's flags.
import { getLlama, LlamaCompletion } from "node-llama-cpp";

const llama = await getLlama({ gpu: "cuda", build: "never" });
const vram = await llama.getVramState();
const names = await llama.getGpuDeviceNames();
console.log(`node-llama-cpp ${llama.gpu} on ${names.join(", ")}: ${(vram.free / 2 ** 30).toFixed(0)} of ${(vram.total / 2 ** 30).toFixed(0)} GiB free`);
const modelPath = process.argv[2];
if (modelPath) {
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 1024, sequences: 2 });
  const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
  const text = await completion.generateCompletion("The letter says", { maxTokens: 8, temperature: 0.8, seed: 1 });
  console.log(`generated on the GPU (${model.gpuLayers} layers): ${JSON.stringify(text)}`);
}
