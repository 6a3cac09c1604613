/**
 * Dense integer ids for string ids (tracks, users, artists, genres): the models index typed
 * arrays by them. Ids are handed out in the order strings are first seen, so the same events in
 * the same order give the same ids (a rebuild equals the incremental model).
 */
export class Interner {
  private readonly byName = new Map<string, number>();
  private readonly names: string[] = [];

  get size(): number {
    return this.names.length;
  }

  /** The id of `name`, given a new one if it has none. */
  intern(name: string): number {
    let id = this.byName.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.byName.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  /** The id of `name`, undefined if it was never seen. */
  lookup(name: string): number | undefined {
    return this.byName.get(name);
  }

  name(id: number): string {
    const name = this.names[id];
    if (name === undefined) throw new RangeError(`no name for id ${id}`);
    return name;
  }
}
