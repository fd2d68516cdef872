/**
 * Apply order between a construct and what it needs to exist first (a TrainJob and its runtime,
 * a LocalQueue and its ClusterQueue), decided on what the other construct is in the tree, not
 * on its class: teams bring their own implementations of the interfaces. Not exported from the
 * library.
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * Orders `source` after `target` (cdk8s writes `target`'s objects first) when `target` is
 * something to wait for: any construct of the same chart (its objects, whenever they are added,
 * come first; one that defines none, such as a `fromXxx()` reference, changes nothing), or a
 * construct of another chart that defines Kubernetes objects (the charts are then ordered). A
 * reference declared in another chart, or outside any chart, is not waited for, and neither is
 * an ancestor or a descendant of `source`.
 */
export function dependOn(source: IConstruct, target: IConstruct): void {
  if (source.node.scopes.includes(target) || target.node.scopes.includes(source)) return;
  const targetChart = chartOf(target);
  if (targetChart === undefined) return;
  if (targetChart === chartOf(source) || target.node.findAll().some((c) => ApiObject.isApiObject(c))) {
    source.node.addDependency(target);
  }
}

/** The nearest chart of `c` (`c` itself when it is one), like `Chart.of`, but undefined outside any chart. */
function chartOf(c: IConstruct): Chart | undefined {
  return [...c.node.scopes].reverse().find((s): s is Chart => Chart.isChart(s));
}
