import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { IClusterQueue } from './cluster-queue';
import { checkName, generateName } from './private/render';
import { ValidationError } from '../../core/errors';
import { dependOn } from '../core/dependencies';
import { registerObjects } from '../core/objects';
import { checkNotSystemNamespace } from '../core/validation';

/** A Kueue LocalQueue: where workloads of one namespace are submitted. */
export interface ILocalQueue extends IConstruct {
  /** Name of the LocalQueue (the value of the `kueue.x-k8s.io/queue-name` label of workloads). */
  readonly localQueueName: string;
  /** Namespace of the LocalQueue; workloads submitted to it live there too. */
  readonly namespaceName: string;
  /** The ClusterQueue it submits to, when known. */
  readonly clusterQueue?: IClusterQueue;
}

/** What describes a LocalQueue defined outside this app. */
export interface LocalQueueAttributes {
  /** Name of the LocalQueue. */
  readonly localQueueName: string;
  /** Namespace of the LocalQueue. */
  readonly namespaceName: string;
  /**
   * The ClusterQueue it submits to; without it, quotas cannot be checked.
   *
   * @default - unknown
   */
  readonly clusterQueue?: IClusterQueue;
}

/** Properties of a {@link LocalQueue}. */
export interface LocalQueueProps {
  /** The ClusterQueue whose quota the LocalQueue's workloads use. */
  readonly clusterQueue: IClusterQueue;
  /**
   * Namespace of the LocalQueue (a team namespace the ClusterQueue admits).
   *
   * @default - the chart's namespace
   */
  readonly namespaceName?: string;
  /**
   * Name of the LocalQueue.
   *
   * @default - generated from the construct path
   */
  readonly localQueueName?: string;
}

/**
 * A Kueue `LocalQueue` (kueue.x-k8s.io/v1beta2) in a team namespace, pointing at a ClusterQueue.
 * Training jobs given this queue carry its `kueue.x-k8s.io/queue-name` label.
 *
 * @example
 * const queue = new LocalQueue(chart, 'Queue', { clusterQueue, namespaceName: 'fraud-scoring-prod', localQueueName: 'training' });
 */
export class LocalQueue extends Construct implements ILocalQueue {
  /** Refers to a LocalQueue defined outside this app. */
  public static fromLocalQueueAttributes(scope: Construct, id: string, attrs: LocalQueueAttributes): ILocalQueue {
    class Imported extends Construct implements ILocalQueue {
      public readonly localQueueName = checkName(this, 'localQueueName', attrs.localQueueName);
      public readonly namespaceName = checkName(this, 'namespaceName', attrs.namespaceName);
      public readonly clusterQueue = attrs.clusterQueue;
    }
    return new Imported(scope, id);
  }

  /** Name of the LocalQueue. */
  public readonly localQueueName: string;
  /** Namespace of the LocalQueue. */
  public readonly namespaceName: string;
  /** The ClusterQueue it submits to (always set on a LocalQueue defined here). */
  public readonly clusterQueue?: IClusterQueue;
  /** The LocalQueue object. */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: LocalQueueProps) {
    super(scope, id);
    registerObjects(this, 'LocalQueue');
    this.clusterQueue = props.clusterQueue;
    this.localQueueName = props.localQueueName !== undefined ? checkName(this, 'localQueueName', props.localQueueName) : generateName(this);
    const namespace = props.namespaceName ?? Chart.of(this).namespace;
    if (namespace === undefined) {
      throw new ValidationError({
        code: 'invalid-name', scope: this,
        message: 'A LocalQueue lives in a namespace, and neither the props nor the chart give one.',
        received: namespace,
        fix: 'Set namespaceName to the team namespace, for example chart.namespaceName of an MlProjectChart.',
      });
    }
    this.namespaceName = checkNotSystemNamespace(this, 'namespaceName', checkName(this, 'namespaceName', namespace));
    const cq = props.clusterQueue;
    const admitted = cq.namespaces;
    if (admitted !== undefined && !admitted.includes(this.namespaceName)) {
      throw new ValidationError({
        code: 'namespace-not-admitted', scope: this,
        message: `ClusterQueue ${cq.clusterQueueName} does not admit namespace ${this.namespaceName}, so nothing submitted to this LocalQueue would ever run.`,
        received: { namespace: this.namespaceName, admitted },
        fix: `Add "${this.namespaceName}" to the namespaces of ClusterQueue ${cq.clusterQueueName}, or put the LocalQueue in one of ${admitted.join(', ')}.`,
      });
    }
    this.resource = new ApiObject(this, 'Resource', {
      apiVersion: 'kueue.x-k8s.io/v1beta2',
      kind: 'LocalQueue',
      metadata: { name: this.localQueueName, namespace: this.namespaceName },
      spec: { clusterQueue: cq.clusterQueueName },
    });
    dependOn(this, cq);
  }
}
