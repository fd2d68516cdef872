/**
 * Rendering and validation helpers shared by the training constructs. Not exported from the
 * library.
 */
import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationError } from '../../../core/errors';
import { k8s, kplus } from '../../core/plus';

/** RFC 1123 label: what most object names and every label value built from a name must be. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1035 label: names that become Service names or host names start with a letter. */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Label key: optional DNS subdomain prefix, then a name of up to 63 characters. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Checks a name that becomes an object name and a label value: 1-`maxLength` lowercase letters,
 * digits and hyphens; with `startWithLetter` it must start with a letter (RFC 1035).
 */
export function checkName(scope: IConstruct, prop: string, name: string, maxLength = 63, startWithLetter = false): string {
  const pattern = startWithLetter ? DNS_1035_LABEL : DNS_LABEL;
  if (typeof name !== 'string' || name.length === 0 || name.length > maxLength || !pattern.test(name)) {
    const allowed = `1-${maxLength} lowercase letters, digits and "-", starting with a ${startWithLetter ? 'letter' : 'letter or digit'} and ending with a letter or digit`;
    throw new ValidationError({
      code: 'invalid-name', scope,
      message: `${prop} is not a valid Kubernetes name here: it must be ${allowed}.`,
      received: name,
      fix: `Give ${prop} a name of ${allowed}, or omit it to have one generated.`,
    });
  }
  return name;
}

/** A name generated from the construct path that satisfies {@link checkName}. */
export function generateName(scope: IConstruct, maxLength = 63, startWithLetter = false): string {
  let name = scope.node.path.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (startWithLetter && !/^[a-z]/.test(name)) name = `x-${name}`;
  const hash = scope.node.addr.slice(-8);
  if (name.length + hash.length + 1 > maxLength) {
    name = name.slice(0, maxLength - hash.length - 1).replace(/-+$/, '');
  }
  return `${name}-${hash}`.replace(/^-+/, '');
}

/** Checks label keys and values (and the number of labels when `max` is given). */
export function checkLabels(scope: IConstruct, prop: string, labels: Record<string, string>, max?: number): void {
  const entries = Object.entries(labels);
  if (max !== undefined && entries.length > max) {
    throw new ValidationError({
      code: 'invalid-labels', scope,
      message: `${prop} has ${entries.length} entries; at most ${max} are allowed.`,
      received: labels,
      fix: `Keep ${prop} to ${max} entries or fewer.`,
    });
  }
  for (const [key, value] of entries) {
    const name = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key;
    if (!LABEL_KEY.test(key) || name.length > 63 || key.length > 316) {
      throw new ValidationError({
        code: 'invalid-labels', scope,
        message: `${prop} has a key that is not a valid label key.`,
        received: key,
        fix: 'Use keys such as "team" or "example.com/team": an optional DNS prefix and a name of up to 63 letters, digits, "-", "_" and ".".',
      });
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      throw new ValidationError({
        code: 'invalid-labels', scope,
        message: `${prop}["${key}"] is not a valid label value.`,
        received: value,
        fix: 'Use up to 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit.',
      });
    }
  }
}

/** Checks a positive (or, with `allowZero`, non-negative) integer. */
export function checkCount(scope: IConstruct, code: string, prop: string, value: number, allowZero = false, max = 2 ** 31 - 1): number {
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError({
      code, scope,
      message: `${prop} must be an integer from ${min} to ${max}.`,
      received: Number.isFinite(value) ? value : String(value),
      fix: `Set ${prop} to a whole number between ${min} and ${max}.`,
    });
  }
  return value;
}

/** Cores of a cdk8s-plus `Cpu` (`Cpu.units(2)` → 2, `Cpu.millis(500)` → 0.5). */
export function cpuCores(cpu: kplus.Cpu): number {
  const amount = cpu.amount;
  return amount.endsWith('m') ? Number(amount.slice(0, -1)) / 1000 : Number(amount);
}

/** A quantity for `cores` CPUs: an integer when whole (`8`), else millicores (`500m`). */
export function cpuQuantity(cores: number): k8s.Quantity {
  return Number.isInteger(cores) ? k8s.Quantity.fromNumber(cores) : k8s.Quantity.fromString(`${Math.round(cores * 1000)}m`);
}

/** A memory quantity: `64Gi` when whole gibibytes, else `1536Mi`. */
export function memoryQuantity(size: Size): k8s.Quantity {
  const mebibytes = size.toMebibytes();
  return k8s.Quantity.fromString(mebibytes % 1024 === 0 ? `${mebibytes / 1024}Gi` : `${mebibytes}Mi`);
}

/** The JSON value of quantities, for custom resources (a raw ApiObject renders a Quantity as `{ value }`). */
export function quantitiesJson(quantities: Record<string, k8s.Quantity>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [name, quantity] of Object.entries(quantities)) out[name] = quantity.value as string | number;
  return out;
}

/** A Karpenter/Kueue duration string (`10m`, `720h`, `90s`), in the largest whole unit. */
export function goDuration(duration: Duration): string {
  const seconds = duration.toSeconds();
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * Cluster-scoped objects must not carry a namespace, but an ApiObject takes the chart's. Drop it
 * when the chart has one.
 */
export function clusterScoped(obj: ApiObject): ApiObject {
  if (Chart.of(obj).namespace !== undefined) obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return obj;
}

/** Sorted copy of unique values. */
export function uniqueSorted(values: string[]): string[] {
  return [...new Set(values)].sort();
}
