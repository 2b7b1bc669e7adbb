// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./IERC1155Receiver.sol";
import "./WalletSignatures.sol";

/// A single-owner subset of Gnosis Safe 1.3 (CLOB signature type 2): the same
/// execTransaction ABI, SafeTx EIP-712 hash and "GSxxx" revert codes, so a relayer that
/// drives a real Safe drives this one. Only plain CALLs without gas refunds: that is all
/// Polymarket's relayer sends for a single redeem, merge or approval.
contract SafeWallet is ERC1155Holder, WalletSignatures {
    event ExecutionSuccess(bytes32 txHash, uint256 payment);

    bytes32 private constant DOMAIN_SEPARATOR_TYPEHASH =
        keccak256("EIP712Domain(uint256 chainId,address verifyingContract)");
    bytes32 private constant SAFE_TX_TYPEHASH = keccak256(
        "SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
    );

    address private immutable owner;
    uint256 public nonce;

    constructor(address owner_) {
        require(owner_ != address(0), "GS203");
        owner = owner_;
    }

    receive() external payable {}

    function getOwners() external view returns (address[] memory owners) {
        owners = new address[](1);
        owners[0] = owner;
    }

    function getThreshold() external pure returns (uint256) {
        return 1;
    }

    function isOwner(address account) external view returns (bool) {
        return account == owner;
    }

    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_SEPARATOR_TYPEHASH, block.chainid, address(this)));
    }

    function getTransactionHash(
        address to,
        uint256 value,
        bytes memory data,
        uint8 operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address refundReceiver,
        uint256 _nonce
    ) public view returns (bytes32) {
        // Two halves: eleven words on the stack at once is more than the legacy pipeline allows.
        bytes memory head = abi.encode(SAFE_TX_TYPEHASH, to, value, keccak256(data), operation, safeTxGas);
        bytes memory tail = abi.encode(baseGas, gasPrice, gasToken, refundReceiver, _nonce);
        bytes32 safeTxHash = keccak256(bytes.concat(head, tail));
        return keccak256(abi.encodePacked(bytes1(0x19), bytes1(0x01), domainSeparator(), safeTxHash));
    }

    function execTransaction(
        address to,
        uint256 value,
        bytes calldata data,
        uint8 operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address payable refundReceiver,
        bytes memory signatures
    ) external payable returns (bool success) {
        require(operation == 0, "SafeWallet: only CALL");
        require(baseGas == 0 && gasPrice == 0, "SafeWallet: no gas refunds");
        bytes32 txHash = getTransactionHash(
            to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, nonce
        );
        nonce++;
        _checkOwnerSigned(txHash, signatures);
        // A failed call reverts the whole transaction, nonce included (Safe 1.3 with
        // safeTxGas == 0 and gasPrice == 0 does the same), so a retry can reuse the signature.
        (success,) = to.call{value: value}(data);
        require(success, "GS013");
        emit ExecutionSuccess(txHash, 0);
    }

    function _checkOwnerSigned(bytes32 txHash, bytes memory signatures) private view {
        require(signatures.length >= 65, "GS020");
        (bytes32 r, bytes32 s, uint8 v) = _split(signatures);
        address signer;
        if (v > 30) {
            // eth_sign: the owner signed the prefixed hash and shifted v by 4 to say so.
            signer = ecrecover(_ethSignedHash(txHash), v - 4, r, s);
        } else {
            signer = ecrecover(txHash, v, r, s);
        }
        require(signer == owner, "GS026");
    }
}
