{
  "algorithm": "ed25519",
  "key_id": "34990dadbef22fa8",
  "signature": "ecYGGAEsCdEbCzqUrVPy8hNSRk9yI8AttIZB37cjNNCf+FcYH9WpnWsJMb/fsxsvzFGZ/6jR6kBeb+ZLY/w3Dw=="
}
