/**
 * Where a bucket's objects are replicated: a bucket in another region (S3 Cross-Region
 * Replication), for the dataset store and the registry's artifacts to survive the loss of their
 * region. The destination is made elsewhere (another stack, in the other region): versioned,
 * with Object Lock enabled (the library's buckets have it, and S3 replicates Object Lock buckets
 * only to Object Lock buckets), encrypted with `replicaKeyArn`.
 */
export interface BucketReplication {
  /** ARN of the destination bucket (`arn:aws:s3:::<name>`). */
  readonly destinationBucketArn: string;
  /** Region of the destination bucket; not the source's. */
  readonly destinationRegion: string;
  /** ARN of the KMS key in the destination region that S3 encrypts the replicas with. */
  readonly replicaKeyArn: string;
}
