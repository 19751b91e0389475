import type { Handlers, settingsApi } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { writeSettings } from "./storedSettings.ts";

export function settingsHandlers(context: ServiceContext): Handlers<typeof settingsApi> {
  return {
    "settings.get": () => context.settings(),
    "settings.set": ({ warnings: _shown, ...settings }) => {
      writeSettings(context.db, settings);
      return context.settings();
    },
  };
}
