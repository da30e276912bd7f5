"""Drop the references an OpenStreetMap extract makes to objects outside it.

    python tiles/clean.py IN.osm.pbf OUT.osm.pbf

An extract clipped at its box keeps whole ways whose nodes are partly outside it (central
Helsinki: 4,525 such references), and tilemaker 2.2 aborts on the first node it cannot find,
--skip-integrity or not. Here a way keeps the nodes the file has (ways left with fewer than two
are dropped), and a relation keeps the members the file has. Nodes come before ways and ways
before relations in a sorted extract (osmium sorts them; ours is), so one pass does it.
The header, with its bounding box, is copied.
"""

import sys

import osmium


class Cleaner(osmium.SimpleHandler):
    def __init__(self, writer: osmium.SimpleWriter) -> None:
        super().__init__()
        self.writer = writer
        self.nodes: set[int] = set()
        self.ways: set[int] = set()
        self.relations: set[int] = set()
        self.dropped_refs = 0

    def node(self, node: osmium.osm.Node) -> None:
        self.nodes.add(node.id)
        self.writer.add_node(node)

    def way(self, way: osmium.osm.Way) -> None:
        refs = [ref.ref for ref in way.nodes if ref.ref in self.nodes]
        self.dropped_refs += len(way.nodes) - len(refs)
        if len(refs) < 2:
            return
        self.ways.add(way.id)
        self.writer.add_way(way.replace(nodes=refs))

    def relation(self, relation: osmium.osm.Relation) -> None:
        known = {"n": self.nodes, "w": self.ways, "r": self.relations}
        members = [
            (member.type, member.ref, member.role)
            for member in relation.members
            if member.ref in known[member.type]
        ]
        self.dropped_refs += len(relation.members) - len(members)
        if not members:
            return
        self.relations.add(relation.id)
        self.writer.add_relation(relation.replace(members=members))


def main(source: str, target: str) -> None:
    header = osmium.io.Reader(source, osmium.osm.osm_entity_bits.NOTHING).header()
    # Positional: pyosmium 3 (Debian 12's python3-pyosmium) takes no keywords here.
    writer = osmium.SimpleWriter(target, 4 * 1024 * 1024, header)
    try:
        cleaner = Cleaner(writer)
        cleaner.apply_file(source, locations=False)
    finally:
        writer.close()
    sys.stderr.write(f"clean.py: dropped {cleaner.dropped_refs} references to missing objects\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
