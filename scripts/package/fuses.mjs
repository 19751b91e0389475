/**
 * electron-builder `afterPack` hook: flips Electron's fuses in the packed binary, before
 * signing, so the shipped app cannot be turned into a general Node runtime or made to load code
 * from outside its (integrity-checked) asar.
 */
import path from "node:path";
import { flipFuses, FuseV1Options, FuseVersion } from "@electron/fuses";

/** Every V1 fuse set explicitly (strictlyRequireAllFuses fails the build when Electron adds one). */
export const FUSES = {
  // ELECTRON_RUN_AS_NODE would make the signed binary run any script as Node.
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  // NODE_OPTIONS / --inspect could inject code into the main process.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // Checked against the hash electron-builder writes (macOS and Windows; Linux has no check yet).
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // The app is served from app://, so file:// needs none of its legacy powers.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};

/** Where the Electron executable lies in electron-builder's unpacked output. */
export function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const name = packager.appInfo.productFilename;
  if (electronPlatformName === "darwin" || electronPlatformName === "mas") return path.join(appOutDir, `${name}.app`);
  if (electronPlatformName === "win32") return path.join(appOutDir, `${name}.exe`);
  return path.join(appOutDir, packager.executableName ?? name);
}

export default async function afterPack(context) {
  const binary = electronBinaryPath(context);
  await flipFuses(binary, {
    version: FuseVersion.V1,
    strictlyRequireAllFuses: true,
    // Flipping fuses breaks an ad-hoc signature; arm64 macOS refuses to run unsigned code.
    resetAdHocDarwinSignature: context.electronPlatformName === "darwin" && context.arch === 3,
    ...FUSES,
  });
  console.log(`fuses flipped in ${binary}`);
}
