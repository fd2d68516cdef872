/**
 * The synth-time check of a Job `podFailurePolicy`, as the API server validates it (batch/v1,
 * Kubernetes 1.27 to 1.33). Not exported from the library.
 */
import { IConstruct } from 'constructs';
import { isQualifiedName } from './render';
import { ValidationError } from '../../../core/errors';
import { k8s } from '../../core/plus';

/** Actions of every supported Kubernetes version (pod failure policy: beta in 1.26, GA in 1.31). */
const ACTIONS = ['FailJob', 'Ignore', 'Count'];
const OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['True', 'False', 'Unknown'];
const MAX_RULES = 20;
const MAX_CONDITIONS = 20;
const MAX_EXIT_CODES = 255;

/**
 * Throws `invalid-pod-failure-policy` for a policy the API server rejects, or one whose rules can
 * never match: unknown actions and operators, `FailIndex` without `backoffLimitPerIndex`, a rule
 * with both or neither of `onExitCodes` and `onPodConditions`, exit codes outside 0-255, unsorted
 * or repeated, 0 with `In`, a `containerName` the pod does not have, more than 20 rules or
 * patterns, more than 255 exit codes, a condition type that is not a qualified name or a status
 * other than True, False or Unknown.
 */
export function checkPodFailurePolicy(scope: IConstruct, policy: k8s.PodFailurePolicy, containerNames: string[]): k8s.PodFailurePolicy {
  const fail = (message: string, received: unknown, fix: string): never => {
    throw new ValidationError({ code: 'invalid-pod-failure-policy', scope, message: `podFailurePolicy ${message}`, received, fix });
  };
  const rules = policy?.rules;
  if (!Array.isArray(rules)) fail('has no rules list.', policy, 'Give { rules: [...] }, or omit podFailurePolicy for the default that ignores disruptions.');
  if (rules.length > MAX_RULES) fail(`has ${rules.length} rules; the API server accepts at most ${MAX_RULES}.`, rules.length, `Merge rules (one rule takes up to ${MAX_EXIT_CODES} exit codes) to keep ${MAX_RULES} or fewer.`);
  rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    if (rule.action === 'FailIndex') {
      fail(`${at} uses action FailIndex, which requires backoffLimitPerIndex (Kubernetes 1.28+, GA in 1.33); an IndexedTrainingJob does not set it, because one failed node fails the whole distributed run.`,
        rule.action, 'Use FailJob to stop the job at once, Ignore to retry without counting, or Count.');
    }
    if (!ACTIONS.includes(rule.action)) fail(`${at} has the action "${rule.action}", which does not exist.`, rule.action, `Use one of ${ACTIONS.join(', ')} (case-sensitive).`);
    const conditions = rule.onPodConditions ?? [];
    const exitCodes = rule.onExitCodes;
    if (exitCodes !== undefined && conditions.length > 0) {
      fail(`${at} has both onExitCodes and onPodConditions; a rule matches on one of them.`, rule, 'Split it into two rules, or give onPodConditions: [] with onExitCodes.');
    }
    if (exitCodes === undefined && conditions.length === 0) {
      fail(`${at} has neither onExitCodes nor onPodConditions, so it matches nothing.`, rule, 'Give onExitCodes ({ operator: "In", values: [42] }) or onPodConditions ([{ type: "DisruptionTarget", status: "True" }]).');
    }
    if (conditions.length > MAX_CONDITIONS) {
      fail(`${at}.onPodConditions has ${conditions.length} patterns; at most ${MAX_CONDITIONS} are allowed.`, conditions.length, `Keep ${MAX_CONDITIONS} patterns or fewer per rule.`);
    }
    conditions.forEach((pattern, j) => {
      if (!isQualifiedName(pattern.type)) {
        fail(`${at}.onPodConditions[${j}] has the type "${pattern.type}", which is not a pod condition type (a qualified name).`, pattern.type, 'Use a condition type such as "DisruptionTarget".');
      }
      if (!CONDITION_STATUSES.includes(pattern.status)) {
        fail(`${at}.onPodConditions[${j}] has the status "${pattern.status}", which does not exist.`, pattern.status, `Use one of ${CONDITION_STATUSES.join(', ')}.`);
      }
    });
    if (exitCodes === undefined) return;
    const where = `${at}.onExitCodes`;
    if (!OPERATORS.includes(exitCodes.operator)) fail(`${where} has the operator "${exitCodes.operator}", which does not exist.`, exitCodes.operator, `Use one of ${OPERATORS.join(', ')} (case-sensitive).`);
    if (exitCodes.containerName !== undefined && !containerNames.includes(exitCodes.containerName)) {
      fail(`${where} names the container "${exitCodes.containerName}", which the pod does not have.`, exitCodes.containerName, `Use ${containerNames.map((n) => `"${n}"`).join(' or ')}, or omit containerName.`);
    }
    const values = exitCodes.values;
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_EXIT_CODES) {
      fail(`${where} has ${Array.isArray(values) ? values.length : 'no'} values; it needs 1-${MAX_EXIT_CODES} exit codes.`, values, `Give 1-${MAX_EXIT_CODES} exit codes.`);
    }
    const outOfRange = values.filter((v) => !Number.isInteger(v) || v < 0 || v > 255);
    if (outOfRange.length > 0) {
      fail(`${where} has the exit codes ${outOfRange.map(String).join(', ')}, outside 0-255: a Linux container exits with 0-255 (128 + n when killed by signal n), so they never match.`,
        outOfRange.map((v) => (Number.isFinite(v) ? v : String(v))), 'Give whole exit codes from 1 to 255, for example 137 for a process killed by SIGKILL.');
    }
    if (exitCodes.operator === 'In' && values.includes(0)) {
      fail(`${where} matches exit code 0 with In; the API server rejects it, since a container that exits with 0 succeeded.`, values, 'Remove 0 from the values.');
    }
    const repeated = values.filter((v, k) => values.indexOf(v) !== k);
    if (repeated.length > 0) fail(`${where} repeats the exit codes ${[...new Set(repeated)].join(', ')}.`, values, 'List every exit code once.');
    if (values.some((v, k) => k > 0 && values[k - 1] > v)) fail(`${where} lists its exit codes out of order; the API server requires them sorted.`, values, `Sort them: [${[...values].sort((a, b) => a - b).join(', ')}].`);
  });
  return policy;
}
