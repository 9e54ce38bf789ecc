{
  "algorithm": "ed25519",
  "key_id": "1325e664cb5da318",
  "signature": "KtoTBrT/sdW9UrXij7iai9a98UbmTrZcJe5tXeKQUi+hxyfOeaqKVQm031R5z/PNAh2pLOlgO2wdw0uhMcQdAw=="
}
