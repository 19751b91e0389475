import { describe, expect, it } from "vitest";
import { isPlanned, isTnmStageGroup, letterDate, parsePerformanceStatus, parseTnm, partialDate } from "../../../src-main/export/fhir/parse.ts";

describe("FHIR export text readings", () => {
  it("writes FHIR partial dates", () => {
    expect(partialDate(2021, 3)).toBe("2021-03");
    expect(partialDate(2021, undefined)).toBe("2021");
    expect(partialDate(undefined, 3)).toBeUndefined();
    expect(letterDate("2021-03-15")).toBe("2021-03-15");
    expect(letterDate("2021-03-15T10:00:00Z")).toBe("2021-03-15");
    expect(letterDate("2021-02-30")).toBe("2021-02");
    expect(letterDate("2021-13-01")).toBe("2021");
    expect(letterDate("15/03/2021")).toBeUndefined();
    expect(letterDate(null)).toBeUndefined();
  });

  it("splits TNM strings only when every token is a category", () => {
    expect(parseTnm("pT2 N1a M0")).toEqual({ t: "pT2", n: "N1a", m: "M0" });
    expect(parseTnm("ypT1c ypN0 cM0")).toEqual({ t: "ypT1c", n: "ypN0", m: "cM0" });
    expect(parseTnm("pT2N1aM0")).toEqual({ t: "pT2", n: "N1a", m: "M0" });
    expect(parseTnm("T3b N1 M1b")).toEqual({ t: "T3b", n: "N1", m: "M1b" });
    expect(parseTnm("pT3 pN1b")).toEqual({ t: "pT3", n: "pN1b" });
    expect(parseTnm("Tis N0")).toEqual({ t: "Tis", n: "N0" });
    expect(parseTnm("TX NX MX")).toEqual({ t: "TX", n: "NX", m: "MX" });
    expect(parseTnm("pN1mi")).toEqual({ n: "pN1mi" });
    expect(parseTnm("pN0(i+)")).toEqual({ n: "pN0(i+)" });
    expect(parseTnm("T2 N1 M0 (TNM8)")).toBeUndefined();
    expect(parseTnm("T2 N1 N2")).toBeUndefined();
    expect(parseTnm("pT2 N1a M0 R0")).toBeUndefined();
    expect(parseTnm("stage IIB")).toBeUndefined();
    expect(parseTnm("")).toBeUndefined();
    expect(parseTnm("T2a1")).toBeUndefined();
    expect(parseTnm("pT2N1aM0x")).toBeUndefined();
  });

  it("tells a TNM stage group from another staging system", () => {
    expect(isTnmStageGroup("stage IVB")).toBe(true);
    expect(isTnmStageGroup("Stage IIIC (AJCC 8th)")).toBe(true);
    expect(isTnmStageGroup("stage I")).toBe(true);
    expect(isTnmStageGroup("FIGO stage IIIC")).toBe(false);
    expect(isTnmStageGroup("Ann Arbor stage IIIB, IPI 2")).toBe(false);
    expect(isTnmStageGroup("Binet stage A")).toBe(false);
    expect(isTnmStageGroup("high volume (CHAARTED)")).toBe(false);
    expect(isTnmStageGroup("stage 4")).toBe(false);
  });

  it("reads a performance score only when the scale is named and there is exactly one number", () => {
    expect(parsePerformanceStatus("ECOG performance status is now 2 (he is spending around half the day in bed)")).toEqual({ scale: "ecog", score: 2 });
    expect(parsePerformanceStatus("WHO PS 0")).toEqual({ scale: "ecog", score: 0 });
    expect(parsePerformanceStatus("Karnofsky 70%")).toEqual({ scale: "karnofsky", score: 70 });
    expect(parsePerformanceStatus("KPS 75")).toBeUndefined();
    expect(parsePerformanceStatus("PS 2")).toBeUndefined();
    expect(parsePerformanceStatus("ECOG 1-2")).toBeUndefined();
    expect(parsePerformanceStatus("ECOG 0 in March, now 2")).toBeUndefined();
    expect(parsePerformanceStatus("ECOG 6")).toBeUndefined();
    expect(parsePerformanceStatus("ECOG 2.5")).toBeUndefined();
  });

  it("spots planned systemic therapy", () => {
    expect(isPlanned("We plan to start abemaciclib next month")).toBe(true);
    expect(isPlanned("will start docetaxel after the MDT")).toBe(true);
    expect(isPlanned("Letrozole 2.5 mg daily was started in June 2021")).toBe(false);
    expect(isPlanned("started second-line carboplatin and pemetrexed on 15/01/2024")).toBe(false);
  });
});
