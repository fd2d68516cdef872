import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { arnProblem, EKS_CLUSTER_ARN } from '../../core/private/identifiers';
import { isUnresolvedString } from '../../core/private/tokens';

/** The API server address of the cluster a self-installed Argo CD runs in. */
const IN_CLUSTER = 'https://kubernetes.default.svc';

/**
 * The cluster an Argo CD Application deploys to, as Argo CD names it in `destination.server`.
 * A self-installed Argo CD deploys to its own cluster (`inCluster()`); the EKS managed Argo CD
 * capability runs outside the cluster and knows it by its ARN (`eksCluster()`), and does not
 * accept `https://kubernetes.default.svc`.
 */
export class ArgoCdCluster {
  /** The cluster a self-installed Argo CD runs in (`https://kubernetes.default.svc`). */
  public static inCluster(): ArgoCdCluster {
    return new ArgoCdCluster(IN_CLUSTER, false);
  }

  /**
   * An EKS cluster registered with the EKS Argo CD capability, by its ARN
   * (`arn:aws:eks:<region>:<account>:cluster/<name>`).
   */
  public static eksCluster(clusterArn: string): ArgoCdCluster {
    return new ArgoCdCluster(clusterArn, true);
  }

  private constructor(
    /** The value of `destination.server`. */
    public readonly server: string,
    /** Whether the destination is an EKS cluster named by its ARN. */
    public readonly isEksArn: boolean,
  ) {}

  /** Throws `invalid-destination` when the ARN is not an EKS cluster ARN. @internal */
  public _validate(scope: IConstruct): void {
    if (this.isEksArn && !isUnresolvedString(this.server) && arnProblem(this.server, EKS_CLUSTER_ARN) !== undefined) {
      throw new ValidationError({
        code: 'invalid-destination', scope,
        message: 'An EKS cluster destination is the cluster\'s ARN, arn:<partition>:eks:<region>:<account>:cluster/<name>.',
        received: this.server, fix: 'Pass the cluster ARN (the GpuCluster\'s clusterArn, or the stack output), not its name or endpoint.',
      });
    }
  }
}

/** Where an Argo CD project may deploy: a cluster and a namespace in it. */
export interface ArgoCdDestination {
  /** The cluster. */
  readonly cluster: ArgoCdCluster;
  /** The namespace, or `*` for any namespace of the cluster (add-on projects only). */
  readonly namespaceName: string;
}
