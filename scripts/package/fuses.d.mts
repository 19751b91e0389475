import type { FuseV1Options } from "@electron/fuses";

export const FUSES: Record<FuseV1Options, boolean>;
export function electronBinaryPath(context: {
  appOutDir: string;
  electronPlatformName: string;
  packager: { appInfo: { productFilename: string }; executableName?: string };
}): string;
export default function afterPack(context: unknown): Promise<void>;
