import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { checkName, clusterScoped, generateName } from './private/render';
import { ValidationError } from '../../core/errors';
import { registerObjects } from '../core/objects';

/** A Kueue WorkloadPriorityClass: the priority of a workload in its queue. */
export interface IWorkloadPriorityClass extends IConstruct {
  /** Name of the class (the value of the `kueue.x-k8s.io/priority-class` label of workloads). */
  readonly priorityClassName: string;
}

/** Properties of a {@link WorkloadPriorityClass}. */
export interface WorkloadPriorityClassProps {
  /**
   * Name of the class.
   *
   * @default - generated from the construct path
   */
  readonly priorityClassName?: string;
  /** Priority: higher values are admitted first and may preempt lower ones. A 32-bit integer. */
  readonly value: number;
  /**
   * When to use the class (up to 2048 characters).
   *
   * @default - none
   */
  readonly description?: string;
}

/**
 * A Kueue `WorkloadPriorityClass` (kueue.x-k8s.io/v1beta2). Unlike a pod PriorityClass it only
 * orders admission and preemption in Kueue; it does not change pod scheduling.
 *
 * @example
 * const urgent = new WorkloadPriorityClass(chart, 'Urgent', { priorityClassName: 'urgent-training', value: 1000 });
 */
export class WorkloadPriorityClass extends Construct implements IWorkloadPriorityClass {
  /** Refers to a WorkloadPriorityClass defined outside this app. */
  public static fromPriorityClassName(scope: Construct, id: string, priorityClassName: string): IWorkloadPriorityClass {
    class Imported extends Construct implements IWorkloadPriorityClass {
      public readonly priorityClassName = checkName(this, 'priorityClassName', priorityClassName);
    }
    return new Imported(scope, id);
  }

  /** Name of the class. */
  public readonly priorityClassName: string;
  /** The priority. */
  public readonly value: number;
  /** The WorkloadPriorityClass object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: WorkloadPriorityClassProps) {
    super(scope, id);
    registerObjects(this, 'WorkloadPriorityClass');
    this.priorityClassName = props.priorityClassName !== undefined ? checkName(this, 'priorityClassName', props.priorityClassName) : generateName(this);
    if (!Number.isInteger(props.value) || props.value < -(2 ** 31) || props.value > 2 ** 31 - 1) {
      throw new ValidationError({
        code: 'invalid-priority-class', scope: this,
        message: 'value must be a 32-bit integer.',
        received: props.value,
        fix: 'Give a whole number such as 1000 (higher runs first).',
      });
    }
    this.value = props.value;
    if (props.description !== undefined && props.description.length > 2048) {
      throw new ValidationError({
        code: 'invalid-priority-class', scope: this,
        message: 'description may have at most 2048 characters.',
        received: `${props.description.length} characters`,
        fix: 'Shorten the description.',
      });
    }
    this.resource = clusterScoped(new ApiObject(this, 'Resource', {
      apiVersion: 'kueue.x-k8s.io/v1beta2',
      kind: 'WorkloadPriorityClass',
      metadata: { name: this.priorityClassName },
      value: this.value,
      description: props.description,
    }));
  }
}
