"""Where Polymarket's factories put an owner's proxy wallet or Safe, computed off-chain.

Both are CREATE2 addresses, fixed before the wallet exists:

    address = keccak256(0xff ‖ factory ‖ salt ‖ initCodeHash)[12:]

- proxy wallet (CLOB signature type 1): salt keccak256(owner's 20 bytes); the init code is
  the factory's clone of its ProxyWallet implementation (`proxy_clone_init_code`), so its hash
  depends on the factory and the implementation only;
- Safe (type 2): salt keccak256(abi.encode(owner)) (the address padded to 32 bytes); the init
  code is the Safe proxy's creation code followed by the master copy's address, as the
  factory's `getContractBytecode()` returns it.

On Polygon the init code hashes are published constants (CHAIN_CONTRACTS' defaults); the
sandbox's factories report theirs. The sandbox's factories create their wallets with the
same init code shapes, so one derivation serves both.
"""

from __future__ import annotations

from eth_abi import encode
from eth_utils import keccak, to_bytes, to_canonical_address, to_checksum_address

# The real factory's clone (FactoryLib.computeCreationCode): a constructor that delegatecalls
# the factory's cloneConstructor("") and returns the 45-byte EIP-1167 proxy to the implementation.
_CLONE_HEAD = bytes.fromhex("3d3d606380380380913d393d73")
_CLONE_MIDDLE = bytes.fromhex("5af4602a57600080fd5b602d8060366000396000f3363d3d373d3d3d363d73")
_CLONE_TAIL = bytes.fromhex("5af43d82803e903d91602b57fd5bf3")
_CLONE_CONSTRUCTOR_CALL = keccak(text="cloneConstructor(bytes)")[:4] + encode(["bytes"], [b""])


def create2_address(deployer: str, salt: bytes, init_code_hash: bytes) -> str:
    digest = keccak(b"\xff" + to_canonical_address(deployer) + salt + init_code_hash)
    return str(to_checksum_address(digest[12:]))


def proxy_clone_init_code(*, factory: str, implementation: str) -> bytes:
    return (
        _CLONE_HEAD
        + to_canonical_address(factory)
        + _CLONE_MIDDLE
        + to_canonical_address(implementation)
        + _CLONE_TAIL
        + _CLONE_CONSTRUCTOR_CALL
    )


def proxy_init_code_hash(*, factory: str, implementation: str) -> str:
    """The init code hash of a factory's proxy wallets (0x hex)."""
    code = proxy_clone_init_code(factory=factory, implementation=implementation)
    return "0x" + keccak(code).hex()


def proxy_wallet_address(owner: str, *, factory: str, init_code_hash: str) -> str:
    salt = keccak(to_canonical_address(owner))
    return create2_address(factory, salt, to_bytes(hexstr=init_code_hash))


def safe_address(owner: str, *, factory: str, init_code_hash: str) -> str:
    salt = keccak(encode(["address"], [to_checksum_address(owner)]))
    return create2_address(factory, salt, to_bytes(hexstr=init_code_hash))
