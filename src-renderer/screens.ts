import { DatasetsPage } from "./pages/DatasetsPage.tsx";
import { EvaluationPage } from "./pages/EvaluationPage.tsx";
import { ExportPage } from "./pages/ExportPage.tsx";
import { ExtractionPage } from "./pages/ExtractionPage.tsx";
import { FinetunePage } from "./pages/FinetunePage.tsx";
import { LettersPage } from "./pages/LettersPage.tsx";
import { ModelsPage } from "./pages/ModelsPage.tsx";
import { PatientPage } from "./pages/PatientPage.tsx";
import { ReviewPage } from "./pages/ReviewPage.tsx";
import { SettingsPage } from "./pages/SettingsPage.tsx";
import { SynthPage } from "./pages/SynthPage.tsx";

type Screen<Id extends string = string> = {
  /** The navigation id (state/nav.ts); by capability, not by the title users see. */
  id: Id;
  /** The nav button, the page heading and the window title. */
  title: string;
  component: () => React.JSX.Element;
};

/**
 * Every screen, one line each, in nav order: the nav list, the headings, the window title and the
 * Alt shortcuts (shortcutKey below) all come from here, so a new screen is one line.
 * Each page declares its return type (`(): React.JSX.Element`): pages use state/nav.ts, whose Page
 * type comes from this list, so inferring a page's type from its body would be circular.
 */
export const SCREENS = [
  { id: "letters", title: "Letters", component: LettersPage },
  { id: "extraction", title: "Extraction", component: ExtractionPage },
  { id: "review", title: "Review", component: ReviewPage },
  { id: "patient", title: "Patient", component: PatientPage },
  { id: "models", title: "Models", component: ModelsPage },
  { id: "export", title: "Export", component: ExportPage },
  { id: "settings", title: "Settings", component: SettingsPage },
  { id: "synth", title: "Studio", component: SynthPage },
  { id: "evaluate", title: "Evaluation", component: EvaluationPage },
  { id: "datasets", title: "Datasets", component: DatasetsPage },
  { id: "finetune", title: "Fine-tune", component: FinetunePage },
] as const satisfies readonly Screen[];

export type Page = (typeof SCREENS)[number]["id"];

/** The screen a page id names. */
export function screenOf(page: Page): Screen<Page> {
  return SCREENS.find((screen) => screen.id === page) ?? SCREENS[0];
}

/**
 * The digit that opens the screen at this nav position with Alt: 1…9 for the first nine (the
 * order users learnt stays put as screens are added), 0 for the tenth; later screens have none.
 */
export function shortcutKey(index: number): string | null {
  if (index < 9) return String(index + 1);
  return index === 9 ? "0" : null;
}

/** The screen Alt+key opens, if any. */
export function screenForKey(key: string): Screen<Page> | undefined {
  return SCREENS.find((_, index) => shortcutKey(index) === key);
}
