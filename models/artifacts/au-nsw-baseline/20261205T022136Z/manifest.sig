{
  "algorithm": "ed25519",
  "key_id": "1325e664cb5da318",
  "signature": "CP7CQIOxisvGzNBNECVkbsCaXyVcLlGYNaaMOJj0fsp1g2mvFBhVkcS5srEKY05pWzrWxTPOur6IGJ1iGnhPCw=="
}
