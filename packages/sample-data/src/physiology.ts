import { type Random, YEAR_MS, round } from './random';
import { type ConditionKey, MEASURES } from './vocabulary';

export type MeasureKey = keyof typeof MEASURES;
export type Snapshot = Record<MeasureKey, number>;
type Range = readonly [number, number];

const KEYS = Object.keys(MEASURES) as MeasureKey[];

/** Children's normal ranges differ a lot from adults'; [upper age bound (exclusive), range], youngest first. */
const PEDIATRIC: Partial<Record<MeasureKey, readonly (readonly [number, Range])[]>> = {
  heartRate: [
    [1, [100, 160]],
    [6, [80, 130]],
    [13, [70, 110]],
  ],
  respiratoryRate: [
    [1, [30, 50]],
    [6, [22, 34]],
    [13, [18, 25]],
  ],
  systolic: [
    [13, [85, 110]],
    [18, [95, 125]],
  ],
  diastolic: [
    [13, [50, 72]],
    [18, [58, 80]],
  ],
  bmi: [
    [2, [15, 18.5]],
    [18, [14.5, 22]],
  ],
  creatinine: [
    [13, [0.2, 0.6]],
    [18, [0.5, 1.0]],
  ],
  cholesterol: [[18, [120, 180]]],
};

/** The condition that moves a measure into its `elevated` range (a diagnosed diabetic also tends to a higher BMI). */
const ELEVATED_BY: Partial<Record<MeasureKey, ConditionKey>> = {
  systolic: 'hypertension',
  diastolic: 'hypertension',
  glucose: 'diabetes',
  hba1c: 'diabetes',
  bmi: 'diabetes',
  cholesterol: 'hyperlipidemia',
};

const ADULT_HEIGHT: Record<'male' | 'female', Range> = { male: [164, 193], female: [151, 178] };

/**
 * One patient's body. Each measure has a fixed per-patient percentile, so the same person reads similarly from visit
 * to visit (a tall patient stays tall, a hypertensive one stays high) instead of being re-rolled at every encounter.
 */
export class Body {
  private readonly percentile: Record<string, number> = {};

  constructor(
    rng: Random,
    private readonly sex: 'male' | 'female',
    private readonly birthMs: number,
    private readonly conditions: ReadonlySet<ConditionKey>,
  ) {
    for (const key of KEYS) this.percentile[key] = rng.float();
  }

  /** Every measure at one instant, computed together so weight, height and BMI of one encounter agree. */
  snapshot(atMs: number, rng: Random, fever: boolean): Snapshot {
    const age = (atMs - this.birthMs) / YEAR_MS;
    const values = {} as Snapshot;
    for (const key of KEYS) {
      const [min, max] = this.range(key, age);
      const jitter = (max - min) * 0.08 * (rng.float() * 2 - 1);
      values[key] = round(min + this.p(key) * (max - min) + jitter, MEASURES[key].decimals);
    }
    const [hMin, hMax] = ADULT_HEIGHT[this.sex];
    const height = round((hMin + this.p('bodyHeight') * (hMax - hMin)) * growth(age) + rng.real(-0.4, 0.4, 1), 1);
    const weight = round(values.bmi * (height / 100) ** 2, 1);
    values.bodyHeight = height;
    values.bodyWeight = weight;
    values.bmi = round(weight / (height / 100) ** 2, 1);
    const temperature = (fever ? MEASURES.bodyTemperature.elevated : undefined) ?? MEASURES.bodyTemperature.adult;
    values.bodyTemperature = rng.real(temperature[0], temperature[1], 1);
    // Diastolic follows systolic; keep a plausible pulse pressure even when the two percentiles disagree.
    values.diastolic = Math.min(values.diastolic, values.systolic - 25);
    return values;
  }

  private range(key: MeasureKey, age: number): Range {
    for (const [maxAge, range] of PEDIATRIC[key] ?? []) if (age < maxAge) return range;
    const spec = MEASURES[key];
    const cause = ELEVATED_BY[key];
    return cause && spec.elevated && this.conditions.has(cause) ? spec.elevated : spec.adult;
  }

  private p(key: MeasureKey): number {
    return this.percentile[key] ?? 0.5;
  }
}

/** Fraction of adult height reached at `age`: about 29% at birth, half at two, full grown at eighteen. */
function growth(age: number): number {
  if (age >= 18) return 1;
  if (age < 2) return 0.29 + (0.21 * Math.max(age, 0)) / 2;
  return 0.5 + (0.5 * (age - 2)) / 16;
}
