/**
 * Kubernetes object names: the checks every Kubernetes construct of the library applies to the
 * names it is given, and the names it generates. Not exported from the library.
 */
import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';

/** RFC 1123 label: what most object names and every label value built from a name must be. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1035 label: names that become Service names or host names start with a letter. */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

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

/** RFC 1123 subdomain: names of kinds that allow dots (claims, service accounts), up to 253 characters. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Checks the name of an object of a kind whose names are DNS-1123 subdomains and that is only
 * referenced by name (a PersistentVolumeClaim, a ServiceAccount): 1-253 lowercase letters, digits,
 * "-" and ".", each dot-separated part starting and ending with a letter or digit.
 */
export function checkSubdomainName(scope: IConstruct, prop: string, name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    const allowed = '1-253 lowercase letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit';
    throw new ValidationError({
      code: 'invalid-name', scope,
      message: `${prop} is not a valid Kubernetes name (DNS-1123 subdomain): it must be ${allowed}.`,
      received: name,
      fix: `Give ${prop} a name of ${allowed}.`,
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
