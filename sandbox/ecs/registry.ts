/**
 * The private ECR repositories of the account, as far as image pulls need them: a repository whose
 * tags are declared holds only those tags (a pull of another fails with "not found"); a repository
 * nothing is declared about holds every tag, so scenarios need not list their images.
 */
export class ImageRegistry {
  readonly #tags = new Map<string, Set<string>>();

  /**
   * Declares the tags (or `sha256:` digests) a repository holds, by name (`orders`, `team/app`);
   * `undefined` forgets them (every tag pulls again).
   */
  setTags(repository: string, tags: readonly string[] | undefined): void {
    if (tags === undefined) this.#tags.delete(repository);
    else this.#tags.set(repository, new Set(tags));
  }

  /** Whether a repository holds a tag or digest. */
  has(repository: string, reference: string): boolean {
    return this.#tags.get(repository)?.has(reference) ?? true;
  }
}
