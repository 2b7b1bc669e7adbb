// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./IERC1155Receiver.sol";
import "./WalletSignatures.sol";

/// One call of a deposit-wallet batch.
struct Call {
    address target;
    uint256 value;
    bytes data;
}

/// A Polymarket deposit wallet (CLOB signature type 3): the owner signs an EIP-712 Batch
/// (wallet, nonce, deadline, calls) and anyone, in practice the relayer through the factory,
/// may submit it. The nonce makes each signed batch run at most once.
contract DepositWallet is ERC1155Holder, WalletSignatures {
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant CALL_TYPEHASH = keccak256("Call(address target,uint256 value,bytes data)");
    bytes32 private constant BATCH_TYPEHASH = keccak256(
        "Batch(address wallet,uint256 nonce,uint256 deadline,Call[] calls)Call(address target,uint256 value,bytes data)"
    );
    string private constant NAME = "DepositWallet";
    string private constant VERSION = "1";

    address public immutable owner;
    uint256 public nonce;

    constructor(address owner_) {
        require(owner_ != address(0), "DepositWallet: no owner");
        owner = owner_;
    }

    receive() external payable {}

    /// ERC-5267: what a wallet needs to build the signing domain.
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"0f", NAME, VERSION, block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    function domainSeparator() public view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(NAME)), keccak256(bytes(VERSION)), block.chainid, address(this))
        );
    }

    function batchDigest(uint256 nonce_, uint256 deadline, Call[] calldata calls) public view returns (bytes32) {
        bytes32[] memory callHashes = new bytes32[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            callHashes[i] =
                keccak256(abi.encode(CALL_TYPEHASH, calls[i].target, calls[i].value, keccak256(calls[i].data)));
        }
        bytes32 structHash = keccak256(
            abi.encode(BATCH_TYPEHASH, address(this), nonce_, deadline, keccak256(abi.encodePacked(callHashes)))
        );
        return keccak256(abi.encodePacked(bytes1(0x19), bytes1(0x01), domainSeparator(), structHash));
    }

    function executeBatch(uint256 nonce_, uint256 deadline, Call[] calldata calls, bytes calldata signature)
        external
        payable
    {
        require(nonce_ == nonce, "DepositWallet: wrong nonce");
        require(block.timestamp <= deadline, "DepositWallet: expired");
        address signer = _recover(batchDigest(nonce_, deadline, calls), signature);
        require(signer != address(0) && signer == owner, "DepositWallet: not signed by the owner");
        nonce = nonce_ + 1;
        for (uint256 i = 0; i < calls.length; i++) {
            (bool ok, bytes memory returndata) = calls[i].target.call{value: calls[i].value}(calls[i].data);
            if (!ok) _bubble(returndata, "DepositWallet: call failed");
        }
    }

    /// ERC-1271: the owner's direct signature of `hash` is the wallet's signature.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length == 65) {
            address signer = _recover(hash, signature);
            if (signer != address(0) && signer == owner) return 0x1626ba7e;
        }
        return 0xffffffff;
    }
}
