import { IConstruct } from 'constructs';
import { ValidationError } from './errors';
import { isUnresolvedString } from './private/tokens';

/** How {@link NameRule.validate} words the fix of its error. */
export interface NameValidationOptions {
  /**
   * Whether the construct generates a name when the property is omitted: the fix then offers
   * that. Set `false` for names that must be given (method parameters, imported resources).
   *
   * @default true
   */
  readonly generated?: boolean;
  /**
   * A valid name to show in the fix, for example `gpu-workers`.
   *
   * @default - no example
   */
  readonly example?: string;
}

/**
 * Naming limits of one kind of physical name (a SageMaker resource, an S3 bucket...).
 *
 * Use the predefined rules (`NameRule.SAGEMAKER`, `NameRule.S3_BUCKET`...) to validate names a
 * user gives and to generate names that always fit.
 */
export class NameRule {
  /**
   * SageMaker resource names (model package group, model, endpoint, training job...):
   * 1-63 characters, letters, digits and hyphens, starting and ending with a letter or digit.
   */
  public static readonly SAGEMAKER = new NameRule({
    service: 'SageMaker',
    minLength: 1,
    maxLength: 63,
    pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/,
    allowed: 'letters, digits and hyphens, starting and ending with a letter or digit',
    separator: '-',
    lowerCase: false,
  });

  /** EventBridge rule names: 1-64 characters of letters, digits, `.`, `-` and `_`. */
  public static readonly EVENTBRIDGE_RULE = new NameRule({
    service: 'EventBridge rule',
    minLength: 1,
    maxLength: 64,
    pattern: /^[.\-_A-Za-z0-9]+$/,
    allowed: 'letters, digits, ".", "-" and "_"',
    separator: '-',
    lowerCase: false,
  });

  /**
   * S3 general purpose bucket names: 3-63 characters, lowercase letters, digits, dots and
   * hyphens, starting and ending with a letter or digit; no `..`, no IP address form, and none
   * of the prefixes and suffixes S3 reserves.
   */
  public static readonly S3_BUCKET = new NameRule({
    service: 'S3 bucket',
    minLength: 3,
    maxLength: 63,
    pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    allowed: 'lowercase letters, digits, "." and "-", starting and ending with a letter or digit',
    separator: '-',
    lowerCase: true,
    extraCheck: (name) => {
      if (name.includes('..')) return 'must not contain two adjacent periods';
      if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not be formatted as an IP address';
      for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
        if (name.startsWith(prefix)) return `must not start with the reserved prefix "${prefix}"`;
      }
      for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
        if (name.endsWith(suffix)) return `must not end with the reserved suffix "${suffix}"`;
      }
      return undefined;
    },
  });

  /**
   * ECR repository names: 2-256 characters, lowercase, path segments separated by `/`, each
   * made of letters and digits joined by `.`, `_` or `-`.
   */
  public static readonly ECR_REPOSITORY = new NameRule({
    service: 'ECR repository',
    minLength: 2,
    maxLength: 256,
    pattern: /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
    allowed: 'lowercase letters and digits joined by ".", "_" or "-", with "/" between path segments',
    separator: '-',
    lowerCase: true,
  });

  /**
   * SageMaker HyperPod instance group names: 1-63 characters, letters, digits and hyphens,
   * starting and ending with a letter or digit (the SageMaker rule, named for the messages).
   */
  public static readonly HYPERPOD_INSTANCE_GROUP = NameRule.SAGEMAKER.named('HyperPod instance group');

  /** SageMaker Pipelines step names: 1-64 letters, digits, `_` and `-`. */
  public static readonly SAGEMAKER_PIPELINE_STEP = new NameRule({
    service: 'SageMaker pipeline step',
    minLength: 1,
    maxLength: 64,
    pattern: /^[A-Za-z0-9_-]+$/,
    allowed: 'letters, digits, "_" and "-"',
    separator: '-',
    lowerCase: false,
  });

  /** SageMaker training input channel names: 1-64 letters, digits, `.`, `-` and `_`. */
  public static readonly SAGEMAKER_CHANNEL = new NameRule({
    service: 'SageMaker channel',
    minLength: 1,
    maxLength: 64,
    pattern: /^[A-Za-z0-9.\-_]+$/,
    allowed: 'letters, digits, ".", "-" and "_"',
    separator: '-',
    lowerCase: false,
  });

  /**
   * EKS cluster names: 1-100 characters, letters, digits, `-` and `_`, starting with a letter
   * or digit.
   */
  public static readonly EKS_CLUSTER = new NameRule({
    service: 'EKS cluster',
    minLength: 1,
    maxLength: 100,
    pattern: /^[0-9A-Za-z][A-Za-z0-9\-_]*$/,
    allowed: 'letters, digits, "-" and "_", starting with a letter or digit',
    separator: '-',
    lowerCase: false,
  });

  /**
   * Kubernetes object names (DNS-1123 subdomain as used by most kinds, kept to the stricter
   * label length): 1-63 lowercase letters, digits and hyphens.
   */
  public static readonly KUBERNETES = new NameRule({
    service: 'Kubernetes object',
    minLength: 1,
    maxLength: 63,
    pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    allowed: 'lowercase letters, digits and "-", starting and ending with a letter or digit',
    separator: '-',
    lowerCase: true,
  });

  /** Human-readable name of the service the rule belongs to. */
  public readonly service: string;
  /** Minimum length. */
  public readonly minLength: number;
  /** Maximum length. */
  public readonly maxLength: number;
  private readonly pattern: RegExp;
  private readonly allowed: string;
  private readonly separator: string;
  private readonly lowerCase: boolean;
  private readonly extraCheck?: (name: string) => string | undefined;

  private constructor(spec: {
    service: string; minLength: number; maxLength: number; pattern: RegExp; allowed: string;
    separator: string; lowerCase: boolean; extraCheck?: (name: string) => string | undefined;
  }) {
    this.service = spec.service;
    this.minLength = spec.minLength;
    this.maxLength = spec.maxLength;
    this.pattern = spec.pattern;
    this.allowed = spec.allowed;
    this.separator = spec.separator;
    this.lowerCase = spec.lowerCase;
    this.extraCheck = spec.extraCheck;
  }

  /** The same rule, named after another kind of resource in messages. */
  private named(service: string): NameRule {
    return new NameRule({
      service, minLength: this.minLength, maxLength: this.maxLength, pattern: this.pattern, allowed: this.allowed,
      separator: this.separator, lowerCase: this.lowerCase, extraCheck: this.extraCheck,
    });
  }

  /**
   * The problem with `name`, or `undefined` when it is valid (unresolved tokens are valid).
   */
  public problem(name: string): string | undefined {
    if (isUnresolvedString(name)) return undefined;
    if (name.length < this.minLength || name.length > this.maxLength) {
      return `must be ${this.minLength}-${this.maxLength} characters long (it has ${name.length})`;
    }
    if (!this.pattern.test(name)) {
      return `may only contain ${this.allowed}`;
    }
    return this.extraCheck?.(name);
  }

  /**
   * Throws a `ValidationError` (code `invalid-name`) when `name` breaks this rule.
   *
   * @param scope the construct that received the name
   * @param prop the property that carried it, for the message
   * @param name the name to check
   * @param options how the fix of the error is worded
   */
  public validate(scope: IConstruct, prop: string, name: string, options: NameValidationOptions = {}): string {
    const problem = this.problem(name);
    if (problem) {
      const example = options.example === undefined ? '' : `, such as "${options.example}"`;
      const omit = (options.generated ?? true) ? `, or omit ${prop} to have one generated` : '';
      throw new ValidationError({
        code: 'invalid-name',
        scope,
        message: `${prop} is not a valid ${this.service} name: it ${problem}.`,
        received: name,
        fix: `Give a name of ${this.minLength}-${this.maxLength} characters made of ${this.allowed}${example}${omit}.`,
      });
    }
    return name;
  }

  /**
   * Generates a name from `parts` that always satisfies this rule: parts are joined with the
   * rule's separator, characters the service does not allow are dropped, and a name that would
   * be too long is cut and ended with a short hash of the construct address so that it stays
   * unique and deterministic.
   *
   * @param scope construct whose address makes the name unique when it must be shortened
   * @param parts meaningful parts, most significant first (project, stage, purpose)
   */
  public generate(scope: IConstruct, ...parts: string[]): string {
    const cleaned = parts
      .map((p) => (this.lowerCase ? p.toLowerCase() : p))
      .map((p) => p.replace(/[^a-zA-Z0-9]+/g, this.separator))
      .map((p) => p.replace(new RegExp(`^\\${this.separator}+|\\${this.separator}+$`, 'g'), ''))
      .filter((p) => p.length > 0);
    let name = cleaned.join(this.separator);
    if (name.length > this.maxLength) {
      const hash = scope.node.addr.slice(-8);
      name = name.slice(0, this.maxLength - hash.length - 1).replace(/[^a-zA-Z0-9]+$/, '') + this.separator + hash;
    }
    if (name.length < this.minLength) {
      name = (name + this.separator + scope.node.addr.slice(-8)).replace(/^[^a-zA-Z0-9]+/, '');
    }
    return name;
  }
}
