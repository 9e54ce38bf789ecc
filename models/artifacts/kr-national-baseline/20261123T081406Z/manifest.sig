{
  "algorithm": "ed25519",
  "key_id": "34990dadbef22fa8",
  "signature": "oh4tCeE5N26RgzcckZggoi73cbayDsRkA0L/DuVOHgitlwX3Mw4KUtE/P/XyDv5oYka9GuEWBd6hLJI6hLKWAQ=="
}
