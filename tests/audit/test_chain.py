"""The hash chain on its own: no database."""

from dataclasses import replace

from audit import chain


def _links(count: int = 5) -> list[chain.Link]:
    return chain.chain({"sequence": n, "plate": "12가3456", "items": ["a", n]} for n in range(1, count + 1))


def test_it_links_each_entry_to_the_one_before():
    links = _links()
    assert links[0].prev_hash == chain.GENESIS
    for before, after in zip(links, links[1:], strict=False):
        assert after.prev_hash == before.entry_hash
    assert chain.verify(links) == chain.Verdict(True, 5, None, links[-1].entry_hash)


def test_it_hashes_the_same_fields_the_same_way_whatever_their_order():
    assert chain.entry_hash(chain.GENESIS, {"a": 1, "b": "가"}) == chain.entry_hash(chain.GENESIS, {"b": "가", "a": 1})
    assert chain.entry_hash(chain.GENESIS, {"a": 1}) != chain.entry_hash(chain.GENESIS, {"a": 2})


def test_it_names_an_altered_entry():
    links = _links()
    links[2] = replace(links[2], fields={**links[2].fields, "plate": "99가9999"})
    verdict = chain.verify(links)
    assert not verdict.ok
    assert verdict.entries == 2
    assert verdict.first_broken == chain.Broken(3, chain.ALTERED)


def test_it_names_an_entry_rehashed_after_an_edit_as_a_broken_link():
    links = _links()
    fields = {**links[2].fields, "plate": "99가9999"}
    links[2] = replace(links[2], fields=fields, entry_hash=chain.entry_hash(links[2].prev_hash, fields))
    assert chain.verify(links).first_broken == chain.Broken(4, chain.BROKEN_LINK)


def test_it_names_a_gap_where_an_entry_was_removed():
    links = _links()
    del links[1]
    verdict = chain.verify(links)
    assert verdict.first_broken == chain.Broken(3, chain.SEQUENCE_GAP, "expected 2")
    assert verdict.first_broken.describe() == "entry 3: gap in sequence (expected 2)"


def test_it_notices_a_chain_that_does_not_start_at_genesis():
    links = chain.chain([{"n": 1}], prev_hash="f" * 64)
    assert chain.verify(links).first_broken == chain.Broken(1, chain.BROKEN_LINK)


def test_an_empty_chain_is_intact():
    assert chain.verify([]) == chain.Verdict(True, 0)
