import { useEffect, useState } from "react";
import type { PatientSummary } from "../../src-shared/api.ts";
import type { MergedEvent, PatientTimeline, Provenance } from "../../src-shared/patientTimeline.ts";
import { call } from "../api.ts";
import { useNav } from "../state/nav.ts";
import { reportError } from "../state/toast.ts";

const FIELDS = [
  ["site", "Site"],
  ["diagnosis", "Diagnosed"],
  ["tnm_stage", "TNM stage"],
  ["other_stage", "Other stage"],
  ["metastases", "Metastases"],
  ["histopathology_status", "Histopathology"],
  ["biomarker_status", "Biomarkers"],
] as const;

const LANES = ["treatment_systemic_start", "treatment_systemic_change", "treatment_radiotherapy", "treatment_surgery", "anatomical_finding", "laboratory_finding", "clinical_trial_update", "other_progress_or_event"];

function when(event: MergedEvent): number | null {
  return event.year === undefined ? null : event.year + ((event.month ?? 1) - 1) / 12;
}

function LetterLinks({ provenance }: { provenance: Provenance[] }) {
  const openReview = useNav((state) => state.openReview);
  const ids = [...new Set(provenance.map((p) => p.letterId))];
  return (
    <>
      {ids.map((id) => (
        <button key={id} type="button" className="link" onClick={() => openReview(id, null)}>
          letter {id}
        </button>
      ))}
    </>
  );
}

/** Events placed on a time axis, one lane per event type; undated events are listed below it. */
function TimelineChart({ events }: { events: MergedEvent[] }) {
  const dated = events.filter((event) => when(event) !== null);
  if (dated.length === 0) return <p className="muted">No dated events.</p>;
  const times = dated.map((event) => when(event) ?? 0);
  const from = Math.floor(Math.min(...times));
  const to = Math.floor(Math.max(...times)) + 1;
  const years = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const lanes = LANES.filter((lane) => dated.some((event) => event.type === lane));
  const x = (time: number) => `${((time - from) / (to - from)) * 100}%`;
  return (
    <div className="chart" role="img" aria-label={`Timeline chart of ${dated.length} dated events from ${from} to ${to}; the list below has the same events.`}>
      <div className="chart-axis">
        {years.map((year) => (
          <span key={year} className="chart-year" style={{ left: x(year) }}>
            {year}
          </span>
        ))}
      </div>
      {lanes.map((lane) => (
        <div key={lane} className="chart-lane">
          <span className="chart-lane-label">{lane.replace("treatment_", "").replaceAll("_", " ")}</span>
          <div className="chart-track">
            {dated
              .filter((event) => event.type === lane)
              .map((event, i) => (
                <span key={i} className={`chart-dot${event.dateSource === "stated" ? "" : " inferred"}`} style={{ left: x(when(event) ?? from) }} title={`${event.year}${event.month ? `-${String(event.month).padStart(2, "0")}` : ""}: ${event.value}`} />
              ))}
          </div>
        </div>
      ))}
    </div>
  );
}

function Timeline({ timeline }: { timeline: PatientTimeline }) {
  return (
    <>
      <section className="card" aria-label="Primary cancer">
        <h2>Primary cancer</h2>
        <dl className="fields">
          {FIELDS.map(([key, label]) => {
            const field = timeline.primaryCancer[key];
            if (!field) return null;
            return (
              <div key={key} className={field.conflicted ? "conflicted" : ""}>
                <dt>{label}</dt>
                <dd>
                  <span className="clamp" title={field.value}>
                    {field.value}
                  </span>{" "}
                  {field.conflicted && <span className="badge conflict-badge">conflict</span>}
                </dd>
              </div>
            );
          })}
        </dl>
      </section>
      <section aria-label="Events">
        <h2>Events ({timeline.events.length})</h2>
        <TimelineChart events={timeline.events} />
      </section>
      {timeline.conflicts.length > 0 && (
        <section className="card conflicts" aria-label="Conflicts">
          <h2>Letters disagree ({timeline.conflicts.length})</h2>
          <ul>
            {timeline.conflicts.map((conflict) => (
              <li key={conflict.field}>
                <strong>{conflict.field}</strong> ({conflict.kind === "refinement" ? "worded more or less fully" : "different values"}):
                <ul>
                  {conflict.values.map((value) => (
                    <li key={value.value}>
                      “{value.value}” — <LetterLinks provenance={value.provenance} />
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-label="Event list">
        <h2>All events, in order</h2>
        <ol className="event-list">
          {timeline.events.map((event, i) => (
            <li key={i}>
              <span className="event-date">
                {event.year ?? "undated"}
                {event.month ? `-${String(event.month).padStart(2, "0")}` : ""}
                {event.dateSource === "letter-date" ? " (letter date)" : ""}
              </span>{" "}
              <span className="badge">{event.type.replaceAll("_", " ")}</span> {event.value} <LetterLinks provenance={event.provenance} />
            </li>
          ))}
        </ol>
      </section>
      {[...timeline.patientFacts, ...timeline.statusUpdates].length > 0 && (
        <section aria-label="Facts and status">
          <h2>Facts and status</h2>
          <dl className="fields">
            {[...timeline.patientFacts, ...timeline.statusUpdates].map((group) => (
              <div key={group.type}>
                <dt>{group.type.replaceAll("_", " ")}</dt>
                <dd>{group.current.map((value) => value.value).join("; ")}</dd>
              </div>
            ))}
          </dl>
        </section>
      )}
    </>
  );
}

export function PatientPage(): React.JSX.Element {
  const patient = useNav((state) => state.patient);
  const openPatient = useNav((state) => state.openPatient);
  const [patients, setPatients] = useState<PatientSummary[]>([]);
  const [timeline, setTimeline] = useState<PatientTimeline | null>(null);

  useEffect(() => {
    call("patients.list", {})
      .then((list) => {
        setPatients(list);
        const first = list[0];
        if (patient === null && first) openPatient(first.id);
      })
      .catch(reportError);
  }, [patient, openPatient]);

  useEffect(() => {
    if (patient === null) return;
    setTimeline(null);
    call("patients.timeline", { patient })
      .then(setTimeline)
      .catch(reportError);
  }, [patient]);

  return (
    <div className="page">
      <label className="inline">
        Patient
        <select value={patient ?? ""} onChange={(event) => openPatient(event.target.value)}>
          {patients.length === 0 && <option value="">No patients</option>}
          {patients.map((p) => (
            <option key={p.id} value={p.id}>
              {p.id} ({p.extracted}/{p.letters} letters extracted)
            </option>
          ))}
        </select>
      </label>
      {timeline ? <Timeline timeline={timeline} /> : patient !== null && <p className="muted">Loading the timeline…</p>}
    </div>
  );
}
