import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { ACCOUNT_ID } from '../../core/private/identifiers';
import { validateTags } from '../../core/private/validate';

/**
 * How Karpenter may buy a node (`karpenter.sh/capacity-type`).
 */
export enum CapacityType {
  /** On-demand instances. */
  ON_DEMAND = 'on-demand',
  /**
   * Spot instances: cheaper, reclaimed at two minutes' notice. Training must checkpoint and
   * resume.
   */
  SPOT = 'spot',
  /**
   * On-demand capacity reservations (and capacity blocks) selected by the node class's
   * `capacityReservations`.
   */
  RESERVED = 'reserved',
}

/**
 * A reason Karpenter disrupts a node voluntarily; disruption budgets can apply to some reasons only.
 */
export enum DisruptionReason {
  /** The node runs no workload pods. */
  EMPTY = 'Empty',
  /** The node no longer matches its NodePool or EC2NodeClass (for example a new AMI). */
  DRIFTED = 'Drifted',
  /** The node's pods would fit elsewhere (consolidation). */
  UNDERUTILIZED = 'Underutilized',
}

/**
 * A NodePool disruption budget: at most `nodes` nodes of the pool are disrupted at once, for the
 * given reasons, optionally only while a schedule is active.
 */
export interface NodePoolDisruptionBudget {
  /** A number of nodes (`"0"`, `"2"`) or a percentage of the pool (`"10%"`). */
  readonly nodes: string;
  /**
   * The disruption reasons this budget limits.
   *
   * @default - all reasons
   */
  readonly reasons?: DisruptionReason[];
  /**
   * When the budget becomes active, as a cron expression in UTC (`"0 8 * * mon-fri"`) or a macro
   * (`"@daily"`). Requires `duration`.
   *
   * @default - always active
   */
  readonly schedule?: string;
  /**
   * How long the budget stays active after each schedule hit, in whole minutes.
   *
   * @default - always active
   */
  readonly duration?: Duration;
}

/** The family of an EKS-optimized node image (the part of the Karpenter AMI alias before `@`). */
export enum GpuNodeImageFamily {
  /** Amazon Linux 2023 (`al2023`). */
  AL2023 = 'al2023',
  /** Bottlerocket (`bottlerocket`): a small OS volume and a separate data volume. */
  BOTTLEROCKET = 'bottlerocket',
}

const IMAGE_VERSION: Record<GpuNodeImageFamily, RegExp> = {
  [GpuNodeImageFamily.AL2023]: /^v\d{8}$/,
  [GpuNodeImageFamily.BOTTLEROCKET]: /^v\d+\.\d+\.\d+$/,
};

/**
 * The node image family and version of a GPU node pool: an EKS-optimized AMI alias, which
 * Karpenter resolves to the accelerated variant (NVIDIA or Neuron drivers) for accelerator
 * instance types.
 */
export class GpuNodeImage {
  /** The latest EKS-optimized accelerated Amazon Linux 2023 AMI (`al2023@latest`). */
  public static readonly AL2023_LATEST = new GpuNodeImage(GpuNodeImageFamily.AL2023, 'latest');
  /** The latest Bottlerocket NVIDIA AMI (`bottlerocket@latest`). */
  public static readonly BOTTLEROCKET_LATEST = new GpuNodeImage(GpuNodeImageFamily.BOTTLEROCKET, 'latest');

  /**
   * A pinned Amazon Linux 2023 release, for example `v20240807`. Pinning avoids node drift on
   * every AMI release.
   */
  public static al2023(version: string): GpuNodeImage {
    return new GpuNodeImage(GpuNodeImageFamily.AL2023, version);
  }

  /** A pinned Bottlerocket release, for example `v1.20.4`. */
  public static bottlerocket(version: string): GpuNodeImage {
    return new GpuNodeImage(GpuNodeImageFamily.BOTTLEROCKET, version);
  }

  /** The image family, `al2023` or `bottlerocket`. */
  public readonly family: GpuNodeImageFamily;
  /** `latest` or a release tag. */
  public readonly version: string;

  private constructor(family: GpuNodeImageFamily, version: string) {
    this.family = family;
    this.version = version;
  }

  /** The Karpenter AMI alias, `family@version`. */
  public get alias(): string {
    return `${this.family}@${this.version}`;
  }

  /** Validates the version on behalf of `scope`. @internal */
  public _validate(scope: IConstruct): void {
    if (this.version !== 'latest' && !IMAGE_VERSION[this.family].test(this.version)) {
      throw new ValidationError({
        code: 'invalid-node-image', scope,
        message: `"${this.version}" is not a ${this.family} release tag Karpenter can resolve.`,
        received: this.alias,
        fix: this.family === GpuNodeImageFamily.AL2023 ? 'Use a release tag such as "v20240807", or GpuNodeImage.AL2023_LATEST.' : 'Use a release tag such as "v1.20.4", or GpuNodeImage.BOTTLEROCKET_LATEST.',
      });
    }
  }
}

const RESERVATION_ID = /^cr-[0-9a-z]+$/;

/**
 * Which EC2 on-demand capacity reservations (ODCRs, capacity blocks) a GPU node pool may launch
 * into (`capacityReservationSelectorTerms`).
 */
export class CapacityReservationSelector {
  /** The reservation with this id, `cr-0123456789abcdef0`. */
  public static id(reservationId: string): CapacityReservationSelector {
    return new CapacityReservationSelector({ id: reservationId });
  }

  /**
   * Every reservation with all of these tags, optionally only those owned by `ownerAccountId`.
   */
  public static tags(tags: { [key: string]: string }, ownerAccountId?: string): CapacityReservationSelector {
    return new CapacityReservationSelector({ tags, ownerID: ownerAccountId });
  }

  private constructor(private readonly term: { id?: string; tags?: Record<string, string>; ownerID?: string }) {}

  /** Validates the term on behalf of `scope` and renders it. @internal */
  public _render(scope: IConstruct): Record<string, unknown> {
    const fail = (message: string, received: unknown, fix: string): never => {
      throw new ValidationError({ code: 'invalid-capacity-reservation', scope, message, received, fix });
    };
    if (this.term.id !== undefined && !RESERVATION_ID.test(this.term.id)) {
      fail('A capacity reservation id has the form cr-0123456789abcdef0.', this.term.id, 'Give the id of the reservation as EC2 shows it.');
    }
    if (this.term.tags !== undefined) {
      const entries = Object.entries(this.term.tags);
      if (entries.length === 0 || entries.length > 20 || entries.some(([k, v]) => k === '' || v === '')) {
        fail('A capacity reservation tag selector needs 1-20 tags with non-empty keys and values.', this.term.tags, 'Give the tags that mark the reservations, for example { "team": "risk-ml" }.');
      }
      validateTags(scope, 'capacityReservations tags', this.term.tags, { selector: true });
    }
    if (this.term.ownerID !== undefined && !ACCOUNT_ID.test(this.term.ownerID)) {
      fail('An owner account id has 12 digits.', this.term.ownerID, 'Give the 12-digit id of the account that owns the reservations.');
    }
    return { ...this.term };
  }
}
