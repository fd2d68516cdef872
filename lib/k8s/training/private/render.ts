/**
 * Rendering and validation helpers shared by the training constructs. Not exported from the
 * library.
 */
import { ApiObject, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationError } from '../../../core/errors';
import { labelKeyProblem, labelValueProblem, validateLabels } from '../../../core/private/validate';
import { k8s, kplus } from '../../core/plus';

export { checkName, checkSubdomainName, generateName } from '../../core/names';

/**
 * Checks label keys and values (and the number of labels when `max` is given) with the library's
 * shared label validator (code `invalid-labels`).
 */
export function checkLabels(scope: IConstruct, prop: string, labels: Record<string, string>, max?: number): void {
  validateLabels(scope, prop, labels, max);
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Whether `key` is a qualified name (label key, taint key, condition type): `[prefix/]name`. */
export function isQualifiedName(key: string): boolean {
  return labelKeyProblem(key) === undefined;
}

/** Checks taints: a qualified key, a label-value value and one of the three effects Kubernetes knows. */
export function checkTaints(scope: IConstruct, code: string, prop: string, taints: k8s.Taint[]): void {
  for (const taint of taints) {
    const fail = (problem: string, fix: string): never => {
      throw new ValidationError({ code, scope, message: `${prop} has the taint ${JSON.stringify(taint.key)}, whose ${problem}.`, received: taint, fix });
    };
    if (!isQualifiedName(taint.key)) fail('key is not a qualified name', 'Use a key such as "nvidia.com/gpu" or "example.com/dedicated": an optional DNS prefix and a name of up to 63 letters, digits, "-", "_" and ".".');
    if (taint.value !== undefined && labelValueProblem(taint.value) !== undefined) {
      fail('value is not a valid label value', 'Use up to 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit, or omit the value.');
    }
    if (!TAINT_EFFECTS.includes(taint.effect)) fail(`effect "${taint.effect}" does not exist`, `Use one of ${TAINT_EFFECTS.join(', ')}.`);
  }
}

/** Checks tolerations the way the API server does: operator, key, value, effect and tolerationSeconds. */
export function checkTolerations(scope: IConstruct, code: string, prop: string, tolerations: k8s.Toleration[]): void {
  for (const toleration of tolerations) {
    const fail = (problem: string, fix: string): never => {
      throw new ValidationError({ code, scope, message: `${prop} has a toleration whose ${problem}.`, received: toleration, fix });
    };
    const operator = toleration.operator ?? 'Equal';
    if (operator !== 'Equal' && operator !== 'Exists') fail(`operator "${operator}" does not exist`, 'Use "Equal" or "Exists".');
    if (toleration.key === undefined || toleration.key === '') {
      if (operator !== 'Exists') fail('key is empty while the operator is Equal', 'Give the taint key, or use operator "Exists" to tolerate every taint.');
    } else if (!isQualifiedName(toleration.key)) {
      fail(`key "${toleration.key}" is not a qualified name`, 'Use the key of the taint, such as "nvidia.com/gpu".');
    }
    if (operator === 'Exists' && toleration.value !== undefined && toleration.value !== '') fail('operator is Exists but a value is given', 'Remove the value, or use operator "Equal".');
    if (toleration.value !== undefined && labelValueProblem(toleration.value) !== undefined) {
      fail(`value "${toleration.value}" is not a valid label value`, 'Use the value of the taint: up to 63 letters, digits, "-", "_" and ".".');
    }
    if (toleration.effect !== undefined && toleration.effect !== '' && !TAINT_EFFECTS.includes(toleration.effect)) {
      fail(`effect "${toleration.effect}" does not exist`, `Use one of ${TAINT_EFFECTS.join(', ')}, or omit it to tolerate every effect.`);
    }
    if (toleration.tolerationSeconds !== undefined && toleration.effect !== 'NoExecute') {
      fail('tolerationSeconds is set, which only applies to the NoExecute effect', 'Remove tolerationSeconds, or use effect "NoExecute".');
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
