// Times as the pages show them ("3 Jan 2027, 09:30"), in the browser's time zone, which
// playwright.config.ts sets to UTC unless a spec says otherwise.

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The UTC calendar day `days` from now, as the pages write it: "3 Jan 2027". */
export function shownDayIn(days: number): string {
  return shownDay(new Date(Date.now() + days * 86_400_000));
}

export function shownDay(at: Date): string {
  return `${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]} ${at.getUTCFullYear()}`;
}

/** "3 Jan 2027, 09:30" for a UTC date and time. */
export function shownTime(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${shownDay(at)}, ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`;
}
