/**
 * The one place this library imports cdk8s-plus (Kubernetes 1.27). Everything under lib/k8s
 * imports cdk8s-plus and the generated Kubernetes types from here, so a move to a newer
 * cdk8s-plus is a one-line change.
 */
import * as kplus from 'cdk8s-plus-27';

export { kplus };
export { k8s } from 'cdk8s-plus-27';
