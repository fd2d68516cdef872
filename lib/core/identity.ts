import { IConstruct } from 'constructs';
import { ValidationError } from './errors';

/**
 * Who owns a project and who pays for it.
 */
export interface ProjectIdentityProps {
  /** Project (use case) name, for example `fraud-scoring`. 1-32 lowercase letters, digits, hyphens. */
  readonly project: string;
  /** Owning team, for example `risk-ml`. 1-32 lowercase letters, digits, hyphens. */
  readonly team: string;
  /** Stage, for example `dev`, `staging` or `prod`. 1-16 lowercase letters, digits, hyphens. */
  readonly stage: string;
  /** Cost centre the spend is charged to, for example `CC-4711`. 1-63 letters, digits, `-`, `_`, `.`. */
  readonly costCentre: string;
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * The identity of one project instance: project, team, stage and cost centre. It becomes tags on
 * every AWS resource and labels on every Kubernetes object of the project.
 */
export class ProjectIdentity {
  /** Tag (AWS) and label (Kubernetes) key prefix used by this library. */
  public static readonly LABEL_PREFIX = 'mlops-constructs.io/';

  /**
   * Validates `props` on behalf of `scope` and returns the identity.
   *
   * @throws ValidationError `invalid-identity` when a field breaks its format
   */
  public static of(scope: IConstruct, props: ProjectIdentityProps): ProjectIdentity {
    check(scope, 'project', props.project, 32, DNS_LABEL, 'lowercase letters, digits and "-", starting with a letter');
    check(scope, 'team', props.team, 32, DNS_LABEL, 'lowercase letters, digits and "-", starting with a letter');
    check(scope, 'stage', props.stage, 16, DNS_LABEL, 'lowercase letters, digits and "-", starting with a letter');
    check(scope, 'costCentre', props.costCentre, 63, LABEL_VALUE, 'letters, digits, "-", "_" and ".", starting and ending with a letter or digit');
    return new ProjectIdentity(props);
  }

  /** Project name. */
  public readonly project: string;
  /** Owning team. */
  public readonly team: string;
  /** Stage. */
  public readonly stage: string;
  /** Cost centre. */
  public readonly costCentre: string;

  private constructor(props: ProjectIdentityProps) {
    this.project = props.project;
    this.team = props.team;
    this.stage = props.stage;
    this.costCentre = props.costCentre;
  }

  /** `project-stage`: the prefix of generated physical names. */
  public get qualifiedName(): string {
    return `${this.project}-${this.stage}`;
  }

  /** AWS tags: `mlops:project`, `mlops:team`, `mlops:stage`, `mlops:cost-centre`. */
  public get tags(): Record<string, string> {
    return {
      'mlops:project': this.project,
      'mlops:team': this.team,
      'mlops:stage': this.stage,
      'mlops:cost-centre': this.costCentre,
    };
  }

  /** Kubernetes labels: `mlops-constructs.io/{project,team,stage,cost-centre}`. */
  public get labels(): Record<string, string> {
    const p = ProjectIdentity.LABEL_PREFIX;
    return {
      [`${p}project`]: this.project,
      [`${p}team`]: this.team,
      [`${p}stage`]: this.stage,
      [`${p}cost-centre`]: this.costCentre,
    };
  }
}

function check(scope: IConstruct, field: string, value: string, max: number, pattern: RegExp, allowed: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || !pattern.test(value)) {
    throw new ValidationError({
      code: 'invalid-identity',
      scope,
      message: `Project identity field "${field}" must be 1-${max} characters of ${allowed}; it becomes part of resource names, tags and labels.`,
      received: value,
      fix: `Set ${field} to a value such as ${field === 'costCentre' ? '"CC-4711"' : field === 'stage' ? '"prod"' : '"fraud-scoring"'}.`,
    });
  }
}
